/** One Roomcast node: the parts of the server wired together, with their lifecycle. */
package io.roomcast.node;
