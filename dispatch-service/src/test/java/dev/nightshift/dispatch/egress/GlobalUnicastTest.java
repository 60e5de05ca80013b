package dev.nightshift.dispatch.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;

import com.google.common.net.InetAddresses;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GlobalUnicastTest {

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.0.1", "172.31.255.255",
            "192.168.1.1", "100.64.0.1", "100.127.255.255", "169.254.169.254", "192.0.0.8", "192.0.2.1", "198.18.0.1",
            "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
            "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "ff02::1", "2001:db8::1", "2001::1", "2001:0:4136:e378::1",
            "3fff::1", "64:ff9b:1::a00:1", "4000::1", "100::1",
            // IPv4 inside IPv6: judged by the IPv4 address
            "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "::127.0.0.1", "::192.168.0.1",
            "64:ff9b::127.0.0.1", "64:ff9b::10.0.0.1", "2002:7f00:1::1", "2002:a9fe:a9fe::1", "2002:c0a8:101::"})
    void refused(String address) {
        assertThat(GlobalUnicast.refusal(v6Kept(address))).as(address).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.1.1.1", "8.8.8.8", "93.184.215.14", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
            "169.253.0.1", "192.0.1.1", "192.0.3.1", "198.17.0.1", "198.20.0.1", "223.255.255.255",
            "2606:4700::1111", "2a00:1450:4001::200e", "2001:4860:4860::8888", "2c0f:fb50::1",
            "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::1"})
    void allowed(String address) {
        assertThat(GlobalUnicast.refusal(v6Kept(address))).as(address).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "::7f00:1"})
    void aWrappedLoopbackNamesWhatItCarries(String address) {
        assertThat(GlobalUnicast.refusal(v6Kept(address))).hasValueSatisfying(why -> assertThat(why).contains("127.0.0.1", "loopback"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"::ffff:8.8.8.8"})
    void aMappedAddressIsReachedAtTheIpv4AddressItCarries(String address) {
        assertThat(GlobalUnicast.target(v6Kept(address))).isEqualTo(InetAddresses.forString("8.8.8.8"));
    }

    /**
     * The address as a resolver hands it over: an IPv6 answer stays an {@link Inet6Address} even when it is
     * IPv4-mapped (the JDK's own parser would quietly make it an Inet4Address, hiding the case under test).
     */
    static InetAddress v6Kept(String address) {
        InetAddress parsed = InetAddresses.forString(address);
        if (!address.contains(":")) {
            return parsed;
        }
        byte[] bytes = new byte[16];
        byte[] raw = parsed.getAddress();
        if (raw.length == 4) {
            bytes[10] = (byte) 0xff;
            bytes[11] = (byte) 0xff;
            System.arraycopy(raw, 0, bytes, 12, 4);
        } else {
            bytes = raw;
        }
        try {
            return Inet6Address.getByAddress(null, bytes, null);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
