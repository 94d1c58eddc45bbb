package io.roomcast.failure;

import io.netty.channel.DefaultEventLoop;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fatal error that Netty would catch and log (in an event loop's task) ends the process, and an ordinary
 * exception does not. Each case runs in a JVM of its own, since it ends it.
 */
class FatalErrorsTest {

    @Test
    void anOutOfMemoryErrorInAnEventLoopTaskEndsTheProcess() throws Exception {
        assertThat(run("oom")).isEqualTo(FatalErrors.EXIT_CODE);
    }

    @Test
    void anOrdinaryExceptionInAnEventLoopTaskDoesNot() throws Exception {
        assertThat(run("exception")).isZero();
    }

    private static int run(String what) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                Victim.class.getName(), what)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the process ended").isTrue();
        return p.exitValue();
    }

    /** Throws {@code args[0]} in a Netty task, then exits 0 if it is still alive 3 s later. */
    public static final class Victim {
        public static void main(String[] args) throws Exception {
            FatalErrors.installDefaultHandler();
            DefaultEventLoop loop = new DefaultEventLoop();
            loop.execute(() -> {
                if (args[0].equals("oom")) {
                    throw new OutOfMemoryError("a test's");
                }
                throw new IllegalStateException("a test's");
            });
            Thread.sleep(3000);
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            System.exit(0);
        }
    }
}
