/** The command line: {@code roomcast} (run a node) and its subcommands. */
package io.roomcast.cli;
