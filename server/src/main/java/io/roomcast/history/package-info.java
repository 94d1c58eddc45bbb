/**
 * The node's bounded window of recent bus messages, per partition, from which resuming clients are served.
 */
package io.roomcast.history;
