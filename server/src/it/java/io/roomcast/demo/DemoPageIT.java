package io.roomcast.demo;

import io.roomcast.testing.NodeProcess;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo page on the embedded default, in Debian's Chromium: Alice and Bob chat and whisper in one room,
 * Carol in another sees none of it, and an HTTP broadcast reaches all three pages.
 */
class DemoPageIT {
    @Test
    void twoPeopleChatAndWhisperAThirdSeesNeitherABroadcastReachesAll() throws Exception {
        try (NodeProcess node = NodeProcess.startEmbedded("demo")) {
            String out = BrowserScript.run("one-node.mjs", 120, node.httpUrl(), NodeProcess.API_KEY,
                    BrowserScript.SCREENSHOTS.toString());
            assertThat(out).contains("ok: bob sees the whisper marked as one, from alice")
                    .contains("ok: the broadcast banner shows on all three pages")
                    .contains("ok: carol sees neither the lounge chat nor the whisper");
        }
    }

    @Test
    void inJwtModeThePageSignsInWithAPastedTokenAndExplainsARefusedOne() throws Exception {
        String secret = "a-secret-of-at-least-32-bytes-for-hs256!";
        Process tokenCommand = new ProcessBuilder("java", "-jar", System.getProperty("roomcast.jar"), "token",
                "--user", "dana", "--rooms", "lobby,team-*", "--jwt-secret", secret).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String token = new String(tokenCommand.getInputStream().readAllBytes()).trim();
        assertThat(tokenCommand.waitFor()).as(token).isZero();
        try (NodeProcess node = NodeProcess.startEmbedded("demo-jwt", "--auth", "jwt", "--jwt-secret", secret)) {
            String out = BrowserScript.run("jwt.mjs", 120, node.httpUrl(), token, BrowserScript.SCREENSHOTS.toString());
            assertThat(out).contains("ok: signed in as the user the token names");
        }
    }
}
