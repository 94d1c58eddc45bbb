package io.roomcast.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * Debian's nginx, started by the test with the shipped {@code deploy/nginx/roomcast.conf}: only the
 * upstream servers, the listen port and (when asked) the WebSocket read timeout are replaced.
 */
public final class Nginx implements AutoCloseable {
    /**
     * The {@code --trusted-proxies} of a node behind this nginx, as the README's "Behind nginx" asks: nginx's
     * own address (it connects to the nodes from loopback), so that the nodes believe its X-Forwarded-For.
     */
    public static final String TRUSTED_PROXIES = "127.0.0.1/32";

    private final Process process;
    private final int port;
    private final Path dir;

    private Nginx(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static Nginx start(List<Integer> nodePorts, String wsReadTimeout) throws Exception {
        Path shipped = Path.of(System.getProperty("roomcast.nginx.conf", "../deploy/nginx/roomcast.conf"));
        Path dir = Files.createTempDirectory("roomcast-nginx");
        int port = freePort();
        String servers = nodePorts.stream()
                .map(p -> "    server 127.0.0.1:" + p + " max_fails=1 fail_timeout=10s;")
                .collect(Collectors.joining("\n"));
        String conf = Files.readString(shipped)
                .replaceAll("(?m)^\\s*server 127\\.0\\.0\\.1:\\d+[^\\n]*\\n", "")
                .replace("    keepalive 32;", servers + "\n    keepalive 32;")
                .replace("listen 8080;", "listen 127.0.0.1:" + port + ";");
        if (wsReadTimeout != null) {
            conf = conf.replaceFirst("proxy_read_timeout 60s;", "proxy_read_timeout " + wsReadTimeout + ";");
        }
        Files.writeString(dir.resolve("roomcast.conf"), conf);
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(dir.resolve("nginx.conf"), String.join("\n",
                "daemon off;",
                "worker_processes 1;",
                "error_log " + dir.resolve("logs/error.log") + " warn;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "events { worker_connections 4096; }",
                "http {",
                "  access_log off;",
                "  client_body_temp_path " + dir.resolve("body") + ";",
                "  proxy_temp_path " + dir.resolve("proxy") + ";",
                "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
                "  uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
                "  scgi_temp_path " + dir.resolve("scgi") + ";",
                "  include " + dir.resolve("roomcast.conf") + ";",
                "}", ""));
        Process p = new ProcessBuilder(nginxBinary(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("logs/stdout.log").toFile()).start();
        Nginx nginx = new Nginx(p, port, dir);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("nginx exited: " + Files.readString(dir.resolve("logs/stdout.log"))
                        + Files.readString(dir.resolve("logs/error.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
        return nginx;
    }

    private static String nginxBinary() {
        for (String candidate : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("nginx is not installed (apt-get install nginx; .ci/run does this)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public String wsUrl() {
        return "ws://127.0.0.1:" + port + "/ws";
    }

    public String httpUrl() {
        return "http://127.0.0.1:" + port + "/";
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
