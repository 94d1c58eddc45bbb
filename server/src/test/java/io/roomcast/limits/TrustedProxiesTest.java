package io.roomcast.limits;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrustedProxiesTest {
    private final TrustedProxies proxies = new TrustedProxies("127.0.0.0/8,10.1.0.0/16");

    private String client(String peer, String xff) {
        return proxies.clientAddress(new InetSocketAddress(peer, 40000), xff);
    }

    @Test
    void forwardedForIsBelievedOnlyFromATrustedPeer() {
        assertThat(client("127.0.0.1", "203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(client("198.51.100.1", "203.0.113.7")).isEqualTo("198.51.100.1");
    }

    @Test
    void theRightmostUntrustedHopWinsSoAClientCannotSpoofItself() {
        // the client wrote "1.2.3.4" itself; the proxies appended the real address 203.0.113.7
        assertThat(client("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.1.2.3")).isEqualTo("203.0.113.7");
        assertThat(client("127.0.0.1", "garbage, 10.1.2.3")).isEqualTo("10.1.2.3");
    }

    @Test
    void badNetworksAreRejected() {
        assertThatThrownBy(() -> new TrustedProxies("10.0.0.0/40")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> new TrustedProxies("example.com")).hasMessageContaining("not an IP address");
        assertThat(new TrustedProxies("").isTrusted(new InetSocketAddress("127.0.0.1", 1).getAddress())).isFalse();
    }
}
