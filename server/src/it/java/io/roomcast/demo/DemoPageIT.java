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
}
