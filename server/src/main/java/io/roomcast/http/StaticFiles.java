package io.roomcast.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The demo page and its assets, read from the class path: the page's own files under {@code web/}, and
 * WebJars under {@code /webjars/}. A WebJar may be asked for without its version
 * ({@code /webjars/stomp__stompjs/esm6/index.js}), so that the page need not repeat the version the build chose.
 *
 * <p>Files are read once and kept: there are a few dozen, all small. Responses carry an ETag, so a reload
 * costs a 304. Thread-safe.
 */
final class StaticFiles {
    private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9_][A-Za-z0-9_.-]*)+");
    private static final String WEBJARS = "/webjars/";
    private static final Map<String, String> PAGES = Map.of("/", "/index.html", "/admin", "/admin.html");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "mjs", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "json", "application/json",
            "map", "application/json");

    private final ClassLoader loader = StaticFiles.class.getClassLoader();
    /** Only files that exist: a miss is not kept, so random paths cannot grow it. */
    private final Map<String, File> cache = new ConcurrentHashMap<>();

    /** @return true when {@code path} names a file this serves (whatever the method) */
    boolean has(String path) {
        return find(path).isPresent();
    }

    /** Answers GET or HEAD for a path {@link #has} accepted. */
    void serve(ChannelHandlerContext ctx, FullHttpRequest request, String path, boolean keepAlive)
            throws Refusal {
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!head && !request.method().equals(HttpMethod.GET)) {
            throw new Refusal(Code.METHOD_NOT_ALLOWED,
                    request.method() + " is not allowed here; use GET");
        }
        File file = find(path).orElseThrow();
        boolean fresh = file.etag().equals(request.headers().get(HttpHeaderNames.IF_NONE_MATCH));
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                fresh ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
                fresh || head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(file.bytes()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, file.type())
                .set(HttpHeaderNames.ETAG, file.etag())
                // Revalidate every time: a node upgrade must not leave browsers on an old page.
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set("X-Content-Type-Options", "nosniff");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, fresh ? 0 : file.bytes().length);
        if (file.type().startsWith("text/html")) {
            // The pages load nothing from elsewhere; say so, so that an injected script could not either.
            response.headers().set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:;"
                    + " img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
            response.headers().set("Referrer-Policy", "no-referrer");
        }
        Responses.write(ctx, response, keepAlive);
    }

    private Optional<File> find(String path) {
        String page = PAGES.getOrDefault(path, path);
        if (!SAFE_PATH.matcher(page).matches()) {
            return Optional.empty(); // no "..", no "//", no hidden files: nothing outside the two roots
        }
        File cached = cache.get(page);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<File> loaded = load(page);
        loaded.ifPresent(f -> cache.put(page, f));
        return loaded;
    }

    private Optional<File> load(String path) {
        String resource = path.startsWith(WEBJARS) ? webjarResource(path.substring(WEBJARS.length()))
                : "web" + path;
        if (resource == null) {
            return Optional.empty();
        }
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            String extension = path.substring(path.lastIndexOf('.') + 1);
            return Optional.of(new File(bytes, TYPES.getOrDefault(extension, "application/octet-stream"),
                    etag(bytes)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** {@code name/[version/]rest}: the version, when missing, is the one on the class path. */
    private String webjarResource(String rest) {
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            return null;
        }
        String name = rest.substring(0, slash);
        String root = "META-INF/resources/webjars/" + name + "/";
        if (loader.getResource(root + rest.substring(slash + 1)) != null) {
            return root + rest.substring(slash + 1);
        }
        String version = webjarVersion(name);
        return version == null ? null : root + version + "/" + rest.substring(slash + 1);
    }

    private String webjarVersion(String name) {
        for (String group : new String[] {"org.webjars.npm", "org.webjars"}) {
            try (InputStream in = loader.getResourceAsStream("META-INF/maven/" + group + "/" + name
                    + "/pom.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    return p.getProperty("version");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return null;
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record File(byte[] bytes, String type, String etag) {
    }
}
