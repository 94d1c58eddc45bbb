/**
 * What the node does when it can't go on safely: an {@link java.lang.OutOfMemoryError} or another
 * {@link java.lang.VirtualMachineError} anywhere ends the process, so that a supervisor restarts it and its
 * clients resume elsewhere, instead of a half-dead node holding their connections.
 */
package io.roomcast.failure;
