package io.roomcast.failure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Marker;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ends the process on errors the JVM can't be trusted to recover from. {@code -XX:+ExitOnOutOfMemoryError} in
 * the launch command covers the JVM's own heap errors; this covers what the flag does not see: Netty's
 * {@code OutOfDirectMemoryError} (thrown by Netty, not the JVM), errors that reach an event loop's pipeline,
 * and errors that kill a thread.
 *
 * <p>Netty catches and logs every {@code Throwable} a task, a scheduled task or a future's listener throws, so an
 * error there would otherwise leave the loop running in a damaged process. Netty reports each through SLF4J with
 * the error attached; {@link #installDefaultHandler()} therefore also puts a filter in front of the logging
 * that ends the process when a fatal error is about to be logged, whoever logs it.
 *
 * <p>Thread-safe.
 */
public final class FatalErrors {
    /** The exit code of a node that stopped on a fatal error. */
    public static final int EXIT_CODE = 3;
    /** Set once the process is on its way out, so that the report of the error does not end it twice. */
    private static final AtomicBoolean HALTING = new AtomicBoolean();
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
        if (!HALTING.compareAndSet(false, true)) {
            return; // this thread or another is already reporting and halting
        }
        try {
            System.err.println("roomcast: fatal error, exiting: " + t);
            log.error("fatal error, exiting", t);
        } catch (Throwable ignored) {
            // nothing left to report with
        }
        Runtime.getRuntime().halt(EXIT_CODE);
    }

    /**
     * Installs the process-wide handler for threads that die of an uncaught error, and the logging filter for
     * the errors Netty catches and logs.
     */
    public static void installDefaultHandler() {
        Thread.setDefaultUncaughtExceptionHandler(HANDLER);
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
            logback.addTurboFilter(new TurboFilter() {
                @Override
                public FilterReply decide(Marker marker, ch.qos.logback.classic.Logger logger, Level level,
                                          String format, Object[] params, Throwable t) {
                    Throwable error = t != null ? t : lastThrowable(params);
                    if (error != null && !HALTING.get() && isFatal(error)) {
                        halt(error);
                    }
                    return FilterReply.NEUTRAL;
                }
            });
        }
    }

    /** SLF4J's convention: a throwable as the last argument is the one to log. */
    private static Throwable lastThrowable(Object[] params) {
        return params != null && params.length > 0 && params[params.length - 1] instanceof Throwable t ? t : null;
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
