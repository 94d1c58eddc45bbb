package io.roomcast.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.roomcast.bench.load.LoadGenerator;
import io.roomcast.bench.report.HtmlReport;
import io.roomcast.bench.report.Results;
import io.roomcast.bench.report.Verdicts;
import io.roomcast.bench.scenario.AbuseScenario;
import io.roomcast.bench.scenario.ChatScenario;
import io.roomcast.bench.scenario.FanoutScenario;
import io.roomcast.bench.scenario.IdleScenario;
import io.roomcast.bench.scenario.Rig;
import io.roomcast.bench.scenario.Step;
import io.roomcast.bench.scenario.StormScenario;
import io.roomcast.bench.servers.ServerProcess;
import io.roomcast.bench.servers.Targets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code run}: for each scenario, starts each target in turn as its own process, drives it with the same
 * generator, and writes {@code results.json} and {@code report.html}. With {@code --baseline-jar}, a second
 * Roomcast build runs as {@code roomcast-baseline} right after {@code roomcast}, and the report compares them.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Runs scenarios against every target.")
final class RunCommand implements Callable<Integer> {
    static final List<String> SCENARIOS = List.of("idle", "fanout", "chat", "cluster", "storm", "abuse");

    @Option(names = "--scenarios", split = ",", defaultValue = "idle,fanout,chat,cluster,storm",
            description = "Any of idle, fanout, chat, cluster, storm, and abuse (opt-in: Roomcast targets only). "
                    + "Default: ${DEFAULT-VALUE}.")
    List<String> scenarios;

    @Option(names = "--targets", split = ",", defaultValue = "roomcast,ceiling-batched,ceiling-flush-each,spring",
            description = "Servers to compare (also roomcast-baseline, which needs --baseline-jar). "
                    + "Default: ${DEFAULT-VALUE}.")
    List<String> targets;

    @Option(names = "--baseline-jar", paramLabel = "PATH",
            description = "Another Roomcast build's server jar (the previous commit's, say): runs as target "
                    + "roomcast-baseline, started like roomcast, right after it; the report gives roomcast / "
                    + "roomcast-baseline for fan-out and chat. Default: none.")
    Path baselineJar;

    @Option(names = "--out", defaultValue = "bench/results/latest", description = "Where results go. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--roomcast-jar", defaultValue = "server/target/roomcast.jar")
    Path roomcastJar;

    @Option(names = "--spring-jar", defaultValue = "bench-spring/target/spring-baseline.jar")
    Path springJar;

    @Option(names = "--bench-jar", defaultValue = "bench/target/roomcast-bench.jar")
    Path benchJar;

    @Option(names = "--idle-levels", split = ",", defaultValue = "5000,10000,15000")
    List<Integer> idleLevels;

    @Option(names = "--fanout-subscribers", defaultValue = "1000")
    int fanoutSubscribers;

    @Option(names = "--fanout-rates", split = ",", defaultValue = "10,25,50,100,150,200,250,300,400,500,600,800")
    List<Double> fanoutRates;

    @Option(names = "--step-seconds", defaultValue = "5")
    int stepSeconds;

    @Option(names = "--chat-rooms", defaultValue = "500")
    int chatRooms;

    @Option(names = "--chat-users-per-room", defaultValue = "10")
    int chatUsersPerRoom;

    @Option(names = "--chat-rate", defaultValue = "0.2", description = "Posts per user per second. Default: ${DEFAULT-VALUE}.")
    double chatRate;

    @Option(names = "--chat-seconds", defaultValue = "20")
    int chatSeconds;

    @Option(names = "--warm-up-seconds", defaultValue = "10",
            description = "Chat and cluster chat: seconds of one warm-up round (the highest rate, not measured); "
                    + "rounds repeat until no process's JIT compiler takes a tenth of a core, six at most. "
                    + "Default: ${DEFAULT-VALUE}.")
    int warmUpSeconds;

    @Option(names = "--cluster-rooms", defaultValue = "1000", description = "Cluster chat: rooms of ten over two nodes. Default: ${DEFAULT-VALUE} (10k subscribers).")
    int clusterRooms;

    @Option(names = "--cluster-rates", split = ",", defaultValue = "250,500,1000",
            description = "Cluster chat: published messages per second, one step each; the target is judged at "
                    + "the last. Default: ${DEFAULT-VALUE}.")
    List<Double> clusterRates;

    @Option(names = "--cluster-node-args", defaultValue = "",
            description = "Cluster: extra arguments for both clustered nodes, space-separated (for example "
                    + "\"--partitions 4\"), to compare bus settings side by side. Default: none.")
    String clusterNodeArgs;

    @Option(names = "--storm-clients", defaultValue = "10000")
    int stormClients;

    @Option(names = "--abuse-seconds", defaultValue = "20",
            description = "Abuse: seconds of the benign client's round trips quiet, and as long again beside the "
                    + "abusers. Default: ${DEFAULT-VALUE}.")
    int abuseSeconds;

    @Option(names = "--abuse-warm-up-seconds", defaultValue = "10",
            description = "Abuse: one unmeasured round of the abusers and the benign client first. "
                    + "Default: ${DEFAULT-VALUE}.")
    int abuseWarmUpSeconds;

    @Option(names = "--server-jvm-options", defaultValue = ServerProcess.DEFAULT_JVM_OPTIONS,
            description = "JVM options of every server under test (all get the same; {name} becomes the server's name, "
                    + "for example -XX:StartFlightRecording=filename=/tmp/{name}.jfr). Default: ${DEFAULT-VALUE}.")
    String serverJvmOptions;

    @Option(names = "--generator-threads", defaultValue = "2")
    int generatorThreads;

    @Option(names = "--generator-processes", defaultValue = "0",
            description = "Idle scenario: hold the connections in this many agent processes instead of this one "
                    + "(for levels past one process's open-file cap, 19k). Default: ${DEFAULT-VALUE} (in-process).")
    int generatorProcesses;

    // Each closed client connection sits in TIME_WAIT for a minute with its port taken, and the warm connect
    // rate opens about 130k in that time: 16 addresses give 450k ports, 4 gave 113k.
    @Option(names = "--source-addresses", defaultValue = "16", description = "Loopback source addresses (127.0.0.2...). Default: ${DEFAULT-VALUE}.")
    int sourceAddresses;

    @Spec
    CommandSpec spec;

    private final List<String> failures = new ArrayList<>();
    /** The rate Roomcast's fan-out added (half its best), which roomcast-baseline is measured at too. */
    private Double extraFanoutRate;

    @Override
    public Integer call() throws Exception {
        PrintStream console = System.out;
        for (String s : scenarios) {
            if (!SCENARIOS.contains(s)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--scenarios: unknown scenario '" + s
                        + "': use any of " + SCENARIOS);
            }
        }
        targets = withBaseline(targets);
        Files.createDirectories(out);
        List<String> jvm = List.of(serverJvmOptions.trim().split("\\s+"));
        Targets servers = new Targets(roomcastJar, baselineJar, springJar, benchJar, out.resolve("logs"), jvm);
        Results results = new Results();
        results.date = LocalDate.now().toString();
        results.machine.put("cores", Runtime.getRuntime().availableProcessors());
        results.machine.put("java", System.getProperty("java.version"));
        results.machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        results.machine.put("serverJvmOptions", serverJvmOptions);
        results.settings.put("scenarios", scenarios);
        results.settings.put("targets", targets);
        results.settings.put("roomcastJar", roomcastJar.toString());
        if (baselineJar != null) {
            results.settings.put("baselineJar", baselineJar.toString());
        }
        results.settings.put("fanoutSubscribers", fanoutSubscribers);
        results.settings.put("stepSeconds", stepSeconds);
        results.settings.put("chat", chatRooms + " rooms x " + chatUsersPerRoom + " users, " + chatRate
                + " posts/user/s, 10% whispers, warm-up in rounds of " + warmUpSeconds + " s until the JIT is quiet, "
                + chatSeconds + " s");
        results.settings.put("cluster", clusterRooms + " rooms x 10 users over 2 nodes, " + clusterRates + " msg/s"
                + (clusterNodeArgs.isBlank() ? "" : ", nodes with " + clusterNodeArgs.trim()));
        results.settings.put("stormClients", stormClients);
        if (scenarios.contains("abuse")) {
            results.settings.put("abuse", "a benign client's round trip (SEND to its own room, its MESSAGE back, "
                    + "one at a time, 210 ms apart) for " + abuseSeconds + " s quiet, then " + abuseSeconds
                    + " s beside a SEND flood that reconnects, a connection flood from one address and "
                    + "foreign-Origin upgrades, after a " + abuseWarmUpSeconds + " s warm-up of both; node limits "
                    + String.join(" ", Targets.ABUSE_LIMITS) + ", the rest at their defaults");
        }
        results.settings.put("generator", (generatorProcesses > 0 ? "idle: " + generatorProcesses
                + " agent processes; others: " : "") + "one process, " + generatorThreads + " event-loop threads, "
                + sourceAddresses + " loopback source addresses");

        try (LoadGenerator generator = new LoadGenerator(generatorThreads, sourceAddresses)) {
            Duration step = Duration.ofSeconds(stepSeconds);
            List<Double> rates = new ArrayList<>(fanoutRates);
            for (String target : targets) {
                console.printf("%n== %s ==%n", target);
                if (scenarios.contains("idle")) {
                    withServer(servers, target, generator, console, rig ->
                            results.idle.addAll(IdleScenario.run(rig, idleLevels, agentCommand(),
                                    generatorProcesses)));
                    if (idleLevels.size() > 1) {
                        withServer(servers, target, generator, console, rig -> attachConnectRate(results,
                                target, IdleScenario.warmConnectRate(rig, idleLevels.get(1),
                                        results.connectRounds)));
                    }
                }
                if (scenarios.contains("fanout")) {
                    withServer(servers, target, generator, console, rig -> {
                        // The baseline build is measured as Roomcast was: the steps, then the added rate apart.
                        boolean baseline = target.equals(Targets.ROOMCAST_BASELINE);
                        List<Step> steps = FanoutScenario.run(rig, "fanout", fanoutSubscribers,
                                baseline ? fanoutRates : rates, step, true);
                        results.fanout.addAll(steps);
                        if (target.equals(Targets.ROOMCAST)) {
                            // Half of Roomcast's best rate: every target is measured there too, for the latency target.
                            double half = Verdicts.maxSustainedRate(steps) / 2;
                            if (half > 0 && !rates.contains(half)) {
                                rates.add(half);
                                rates.sort(Double::compare);
                                extraFanoutRate = half;
                                results.fanout.addAll(FanoutScenario.run(rig, "fanout", fanoutSubscribers,
                                        List.of(half), step, false));
                            }
                        } else if (baseline && extraFanoutRate != null) {
                            results.fanout.addAll(FanoutScenario.run(rig, "fanout", fanoutSubscribers,
                                    List.of(extraFanoutRate), step, false));
                        }
                    });
                }
                if (scenarios.contains("chat")) {
                    withServer(servers, target, generator, console, rig -> results.chat.addAll(ChatScenario.run(rig,
                            "chat", chatRooms, chatUsersPerRoom, List.of(chatRate), 0.1, warmUp(), Duration.ofSeconds(chatSeconds))));
                }
                if (scenarios.contains("storm")) {
                    withServer(servers, target, generator, console, rig -> results.storm.add(StormScenario.run(rig,
                            stormClients, Targets.isRoomcast(target))));
                }
                if (scenarios.contains("abuse")) {
                    if (Targets.isRoomcast(target)) {
                        // With the abuse limits of AbuseLimitsTest, not the bench's (which switch them off).
                        withServer(() -> servers.startRoomcast(target, Targets.ABUSE_LIMITS), target, generator,
                                console, rig -> results.abuse.add(AbuseScenario.run(rig,
                                        Duration.ofSeconds(abuseSeconds), Duration.ofSeconds(abuseWarmUpSeconds))));
                    } else {
                        console.println("  abuse: not run against " + target + " (it has no abuse limits)");
                    }
                }
            }
            if (scenarios.contains("cluster") && targets.contains(Targets.ROOMCAST)) {
                try {
                    cluster(servers, generator, console, results);
                } catch (Exception e) {
                    console.println("  FAILED cluster: " + e);
                    failures.add("cluster: " + e);
                }
            }
        }
        results.failures.addAll(failures);
        results.baseline.addAll(Verdicts.baselineComparisons(results));
        results.targets.addAll(Verdicts.evaluate(results));
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(out.resolve("results.json").toFile(), results);
        Files.writeString(out.resolve("report.html"), HtmlReport.render(results));
        console.printf("%nTargets:%n");
        for (Results.Target t : results.targets) {
            console.printf("  %-4s %-48s %s (goal: %s)%n", t.met() == null ? "-" : t.met() ? "MET" : "MISS",
                    t.name(), t.figure(), t.goal());
        }
        console.printf("%nWrote %s and %s%n", out.resolve("results.json"), out.resolve("report.html"));
        return 0;
    }

    /**
     * The bus's cost: the chat load of the cluster target (rooms of ten, 1k msg/s) on one node with the memory
     * bus, then on two nodes with RocketMQ between them; and the fan-out over two nodes.
     */
    private void cluster(Targets servers, LoadGenerator generator, PrintStream console, Results results)
            throws Exception {
        console.printf("%n== cluster ==%n");
        List<Double> perUser = clusterRates.stream().map(rate -> rate / (clusterRooms * 10.0)).toList();
        Duration length = Duration.ofSeconds(chatSeconds);
        withServer(servers, Targets.ROOMCAST, generator, console, rig -> results.cluster.addAll(
                ChatScenario.run(rig, "chat-1-node", clusterRooms, 10, perUser, 0.1, warmUp(), length)));
        try (ServerProcess broker = servers.startBroker();
             ServerProcess a = servers.startClusterNode("a", broker, extraClusterArgs());
             ServerProcess b = servers.startClusterNode("b", broker, extraClusterArgs())) {
            Rig rig = new Rig(generator, console, "roomcast-2-nodes", List.of(a.ws(), b.ws()),
                    List.of(a.stats(), b.stats()), List.of(broker.stats()));
            results.cluster.addAll(ChatScenario.run(rig, "chat-2-nodes", clusterRooms, 10, perUser, 0.1, warmUp(), length));
            results.cluster.addAll(FanoutScenario.run(rig, "fanout-2-nodes", fanoutSubscribers,
                    List.of(25.0, 50.0, 100.0), Duration.ofSeconds(stepSeconds), true));
        }
    }

    /** Puts the warm connect rate on the target's second idle point, where the report and verdicts read it. */
    private static void attachConnectRate(Results results, String target, double rate) {
        List<IdleScenario.Point> mine = results.idle.stream().filter(p -> p.target().equals(target)).toList();
        if (mine.size() > 1 && mine.get(1).failure() == null) {
            IdleScenario.Point p = mine.get(1);
            results.idle.set(results.idle.indexOf(p), new IdleScenario.Point(p.target(), p.connections(), p.rssMb(),
                    p.heapMb(), p.rssPerConnectionKb(), p.heapPerConnectionKb(), rate, null));
        }
    }

    /** The command that starts agent processes, or null to hold connections in this process. */
    private List<String> agentCommand() {
        return generatorProcesses <= 0 ? null : List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin",
                "java").toString(), "-jar", benchJar.toString());
    }

    private List<String> extraClusterArgs() {
        return clusterNodeArgs.isBlank() ? List.of() : List.of(clusterNodeArgs.trim().split("\\s+"));
    }

    private Duration warmUp() {
        return Duration.ofSeconds(warmUpSeconds);
    }

    /**
     * The targets to run: {@code --targets}, with {@code roomcast-baseline} right after {@code roomcast} (first,
     * without it) when {@code --baseline-jar} is given and the list does not name it already.
     */
    private List<String> withBaseline(List<String> asked) {
        List<String> run = new ArrayList<>(asked);
        if (baselineJar == null) {
            if (run.contains(Targets.ROOMCAST_BASELINE)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--targets: "
                        + Targets.ROOMCAST_BASELINE + " needs --baseline-jar PATH (another Roomcast build's jar)");
            }
            return run;
        }
        if (!run.contains(Targets.ROOMCAST_BASELINE)) {
            run.add(run.indexOf(Targets.ROOMCAST) + 1, Targets.ROOMCAST_BASELINE);
        }
        return run;
    }

    private interface Body {
        void run(Rig rig) throws Exception;
    }

    private interface Starter {
        ServerProcess start() throws Exception;
    }

    /**
     * A fresh server process for each scenario, so that one scenario's garbage does not weigh on the next. A
     * scenario that fails is written down with its reason, and the run goes on.
     */
    private void withServer(Targets servers, String target, LoadGenerator generator, PrintStream console,
                            Body body) {
        withServer(() -> servers.start(target), target, generator, console, body);
    }

    private void withServer(Starter starter, String target, LoadGenerator generator, PrintStream console, Body body) {
        try (ServerProcess server = starter.start()) {
            body.run(new Rig(generator, console, target, List.of(server.ws()), List.of(server.stats())));
        } catch (Exception e) {
            String why = target + ": " + e;
            console.println("  FAILED " + why);
            failures.add(why);
        }
    }
}
