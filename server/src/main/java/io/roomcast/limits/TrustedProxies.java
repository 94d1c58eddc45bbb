package io.roomcast.limits;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a client's real address. {@code X-Forwarded-For} is believed only when the TCP peer is a trusted
 * proxy, and then only as far as the chain is made of trusted proxies: the answer is the rightmost address
 * that is not one (anything left of it could have been written by the client). Immutable, thread-safe.
 */
public final class TrustedProxies {
    /** A connection's client address, as the trusted proxies tell it, once a request has been admitted. */
    public static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.valueOf("roomcast.clientAddress");
    /**
     * The default: no one. Trusting loopback by default would let any local process (a sidecar, another
     * tenant's container sharing the host network) claim any address and so pass every per-address limit.
     */
    public static final String NONE = "";

    private final List<byte[]> networks = new ArrayList<>();
    private final List<Integer> prefixes = new ArrayList<>();

    /** @param cidrs comma-separated networks such as {@code 10.0.0.0/8,::1/128}; empty trusts no one */
    public TrustedProxies(String cidrs) {
        for (String cidr : cidrs.split(",")) {
            String c = cidr.trim();
            if (c.isEmpty()) {
                continue;
            }
            int slash = c.indexOf('/');
            byte[] address = parse(slash < 0 ? c : c.substring(0, slash));
            int prefix = slash < 0 ? address.length * 8 : Integer.parseInt(c.substring(slash + 1));
            if (prefix < 0 || prefix > address.length * 8) {
                throw new IllegalArgumentException("'" + c + "' has an impossible prefix length");
            }
            networks.add(address);
            prefixes.add(prefix);
        }
    }

    private static byte[] parse(String literal) {
        if (!literal.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + literal + "' is not an IP address");
        }
    }

    public boolean isTrusted(InetAddress address) {
        byte[] a = address.getAddress();
        for (int i = 0; i < networks.size(); i++) {
            if (matches(a, networks.get(i), prefixes.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(byte[] a, byte[] network, int prefix) {
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest);
        return (a[full] & mask) == (network[full] & mask);
    }

    /**
     * The address to name {@code channel}'s client by in logs: the admitted client address, or before
     * admission the TCP peer's.
     */
    public static String clientAddressOf(Channel channel) {
        String admitted = channel.attr(CLIENT_ADDRESS).get();
        if (admitted != null) {
            return admitted;
        }
        return channel.remoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(channel.remoteAddress());
    }

    /** The client's address: the peer, or what trusted proxies say it is. */
    public String clientAddress(SocketAddress peer, String forwardedFor) {
        if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return String.valueOf(peer);
        }
        InetAddress current = inet.getAddress();
        if (forwardedFor == null || !isTrusted(current)) {
            return current.getHostAddress();
        }
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            try {
                current = InetAddress.getByAddress(parse(hop));
            } catch (IllegalArgumentException | UnknownHostException e) {
                return current.getHostAddress(); // garbage in the chain: stop at the last address we trust
            }
            if (!isTrusted(current)) {
                return current.getHostAddress();
            }
        }
        return current.getHostAddress();
    }
}
