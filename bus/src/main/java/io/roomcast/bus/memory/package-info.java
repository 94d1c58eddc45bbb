/** The embedded bus for a single process: no infrastructure, same contract as the cluster bus. */
package io.roomcast.bus.memory;
