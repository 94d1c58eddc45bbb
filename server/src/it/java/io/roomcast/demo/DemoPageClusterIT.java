package io.roomcast.demo;

import io.roomcast.testing.Nginx;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.SharedBroker;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo page through nginx in front of three clustered nodes. The node under Alice's page is killed with
 * SIGKILL (by the scenario, which knows which node her page landed on); her page reconnects to another node,
 * resumes, and shows Bob's messages from meanwhile exactly once.
 */
class DemoPageClusterIT {
    @Test
    void alicesPageSurvivesTheDeathOfItsNode() throws Exception {
        String namesrv = SharedBroker.get().namesrv();
        // A node timeout longer than the scenario's gap: Bob whispers to Alice while her node is dead, and she
        // is still a member until then.
        String[] args = {"--node-timeout", "10s", "--trusted-proxies", Nginx.TRUSTED_PROXIES};
        List<NodeProcess> nodes = List.of(NodeProcess.start("web-a", namesrv, args),
                NodeProcess.start("web-b", namesrv, args), NodeProcess.start("web-c", namesrv, args));
        try (Nginx nginx = Nginx.start(nodes.stream().map(NodeProcess::port).toList(), null)) {
            String pids = nodes.stream().map(n -> "\"" + n.id() + "\":" + n.process().pid())
                    .collect(Collectors.joining(",", "{", "}"));
            String out;
            try {
                out = BrowserScript.run("cluster.mjs", 180, nginx.httpUrl(), BrowserScript.SCREENSHOTS.toString(),
                        pids);
            } catch (AssertionError failed) {
                // One CI failure left nothing but the script's exit code: print what the nodes said as well.
                nodes.forEach(n -> System.out.printf("--- last lines of node %s ---%n%s%n", n.id(), n.logTail(40)));
                throw failed;
            }
            assertThat(out).contains("with SIGKILL").contains("resumed, nothing missed");
            assertThat(nodes.stream().filter(n -> !n.process().isAlive()).count())
                    .as("exactly one node was killed").isEqualTo(1);
        } finally {
            nodes.forEach(NodeProcess::close);
        }
    }
}
