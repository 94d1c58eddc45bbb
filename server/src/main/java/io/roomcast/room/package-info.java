/**
 * Rooms and who is in them: presence, the membership rules for posting and whispering, and turning requests
 * from clients and backends into bus messages.
 */
package io.roomcast.room;
