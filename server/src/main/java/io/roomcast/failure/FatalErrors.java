package io.roomcast.failure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.ThreadFactory;

/**
 * Ends the process on errors the JVM can't be trusted to recover from. {@code -XX:+ExitOnOutOfMemoryError} in
 * the launch command covers the JVM's own heap errors; this covers what the flag does not see: Netty's
 * {@code OutOfDirectMemoryError} (thrown by Netty, not the JVM), errors that reach an event loop's pipeline,
 * and errors that kill a thread. Thread-safe.
 */
public final class FatalErrors {
    /** The exit code of a node that stopped on a fatal error. */
    public static final int EXIT_CODE = 3;
    private static final Logger log = LoggerFactory.getLogger(FatalErrors.class);
    private static final Thread.UncaughtExceptionHandler HANDLER = (thread, error) -> {
        if (isFatal(error)) {
            halt(error);
        } else {
            log.error("thread {} died", thread.getName(), error);
        }
    };

    private FatalErrors() {
    }

    /** Whether {@code t} (or its cause) means the JVM is in no state to go on. */
    public static boolean isFatal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof VirtualMachineError) {
                return true;
            }
        }
        return false;
    }

    /** Ends the process at once when {@code t} is fatal; otherwise does nothing. */
    public static void haltIfFatal(Throwable t) {
        if (isFatal(t)) {
            halt(t);
        }
    }

    /**
     * Ends the process without running shutdown hooks: a draining hook would need the very memory or threads
     * that are gone. Clients see their connections drop and resume on another node.
     */
    public static void halt(Throwable t) {
        try {
            System.err.println("roomcast: fatal error, exiting: " + t);
            log.error("fatal error, exiting", t);
        } catch (Throwable ignored) {
            // nothing left to report with
        }
        Runtime.getRuntime().halt(EXIT_CODE);
    }

    /** Installs the process-wide handler for threads that die of an uncaught error. */
    public static void installDefaultHandler() {
        Thread.setDefaultUncaughtExceptionHandler(HANDLER);
    }

    /**
     * Netty's threads (fast thread-locals included) for event loops, whose death by a fatal error ends the
     * process: a node with a dead loop would keep its clients' sockets open and deliver nothing to them.
     */
    public static ThreadFactory eventLoopThreads(String prefix) {
        return new DefaultThreadFactory(prefix, false) {
            @Override
            protected Thread newThread(Runnable r, String name) {
                Thread t = super.newThread(r, name);
                t.setUncaughtExceptionHandler(HANDLER);
                return t;
            }
        };
    }
}
