package io.roomcast.cli;

import io.roomcast.config.ConfigException;
import io.roomcast.config.ConfigSources;
import io.roomcast.failure.FatalErrors;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Entry point of {@code roomcast.jar}. A bad flag, environment variable or config value ends the process
 * with exit code 2 and one line that names it.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        FatalErrors.installDefaultHandler();
        productionLeakDetection();
        int code = run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.exit(code);
    }

    /**
     * Netty samples one buffer in 128 for leak tracking by default, recording a stack trace for each: a cost on
     * every connection's first buffers that a production node should not pay (the tests run with PARANOID).
     * {@code -Dio.netty.leakDetection.level=simple} (or any level) still turns it on.
     */
    static void productionLeakDetection() {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
    }

    /** Parses and runs; returns the exit code. Separate from {@link #main} so tests can call it. */
    public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
        CommandLine cl;
        try {
            cl = commandLine(args, env);
        } catch (ConfigException e) {
            err.println("roomcast: " + e.getMessage());
            return 2;
        }
        cl.setOut(out).setErr(err);
        Map<String, String> environment = env;
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("roomcast: " + ex.getMessage() + source(ex, a, environment));
            err.println("Run 'java -jar roomcast.jar --help' for the settings.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof ConfigException) {
                err.println("roomcast: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    /** Where a bad value came from, when it was not on the command line: " (from ROOMCAST_PORT)". */
    private static String source(CommandLine.ParameterException ex, String[] args, Map<String, String> env) {
        if (!(ex.getArgSpec() instanceof CommandLine.Model.OptionSpec option)) {
            return "";
        }
        String name = option.longestName();
        for (String arg : args) {
            if (arg.equals(name) || arg.startsWith(name + "=")) {
                return "";
            }
        }
        String envName = ConfigSources.envName(name);
        return env.containsKey(envName) ? " (from " + envName + ")" : " (from the --config file)";
    }

    /**
     * The command line with its default sources (environment, then config file) attached, not yet parsed.
     *
     * @throws ConfigException when the config file can't be read or names an unknown setting
     */
    public static CommandLine commandLine(String[] args, Map<String, String> env) {
        ConfigSources sources = ConfigSources.from(args, env);
        CommandLine cl = new CommandLine(new RoomcastCommand());
        cl.setOverwrittenOptionsAllowed(true); // a later flag wins, so scripts can append overrides
        cl.setDefaultValueProvider(sources);
        cl.getSubcommands().values().forEach(sub -> sub.setDefaultValueProvider(sources));
        rejectUnknownKeys(cl, sources);
        return cl;
    }

    private static void rejectUnknownKeys(CommandLine cl, ConfigSources sources) {
        Set<String> known = new TreeSet<>();
        cl.getCommandSpec().options().forEach(o -> known.add(o.longestName().replaceFirst("^--", "")));
        for (String key : sources.fileKeys()) {
            if (!known.contains(key)) {
                throw new ConfigException("--config: unknown setting '" + key + "' (settings are the long flags"
                        + " without '--', such as 'port' or 'max-frame-bytes')");
            }
        }
    }
}
