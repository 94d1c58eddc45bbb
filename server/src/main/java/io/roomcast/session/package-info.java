/**
 * One connection's STOMP session: authentication, the protocol state machine, subscriptions and the
 * destinations they name. Everything here runs on the connection's event loop unless a method says otherwise.
 */
package io.roomcast.session;
