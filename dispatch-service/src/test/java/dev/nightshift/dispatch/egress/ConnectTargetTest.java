package dev.nightshift.dispatch.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectTargetTest {

    @Test
    void aNameIsLowerCasedAndKeepsItsPort() {
        assertThat(ConnectTarget.parse("API.Anthropic.COM:443")).isEqualTo(new ConnectTarget("api.anthropic.com", 443, false));
    }

    @Test
    void ipLiteralsAreCanonicalAndMarked() {
        assertThat(ConnectTarget.parse("127.0.0.1:8080")).isEqualTo(new ConnectTarget("127.0.0.1", 8080, true));
        assertThat(ConnectTarget.parse("[::FFFF:7f00:1]:443")).isEqualTo(new ConnectTarget("127.0.0.1", 443, true));
        assertThat(ConnectTarget.parse("[2001:DB8:0::1]:443")).isEqualTo(new ConnectTarget("2001:db8::1", 443, true));
        assertThat(ConnectTarget.parse("[2001:db8::1]:443")).hasToString("[2001:db8::1]:443");
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.test\r\nINFO forged:443", "evil.test\n:443", "a\u001b[31m.test:443", "a b.test:443", "a%0d%0a.test:443",
            "a_b.test:443", "-a.test:443", "a-.test:443", "a..test:443", ".a.test:443", "a.test.:443", ":443", "a.test", "a.test:",
            "a.test:0", "a.test:65536", "a.test:+443", "a.test:44 3", "[fe80::1%eth0]:443", "[::1:443", "[a.test]:443", "127.1:443",
            "0x7f.0.0.1:443", "2130706433:443", "256.1.1.1:443", "ünicode.test:443", "a.test:443\u0000"})
    void anythingElseIsRefused(String authority) {
        assertThatThrownBy(() -> ConnectTarget.parse(authority)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void labelAndNameLengthsAreBounded() {
        String label63 = "a".repeat(63);
        assertThat(ConnectTarget.parse(label63 + ".test:443").host()).startsWith(label63);
        assertThatThrownBy(() -> ConnectTarget.parse("a".repeat(64) + ".test:443")).isInstanceOf(IllegalArgumentException.class);
        String name253 = String.join(".", label63, label63, label63, "a".repeat(61));
        assertThat(ConnectTarget.validName(name253)).isTrue();
        assertThat(ConnectTarget.validName(name253 + "a")).isFalse();
    }

    @Test
    void sanitizedShowsControlCharactersAsEscapesAndCutsLongInput() {
        assertThat(ConnectTarget.sanitized("evil.test\r\nINFO forged\u001b[0m\\")).isEqualTo("evil.test\\x0d\\x0aINFO forged\\x1b[0m\\x5c");
        assertThat(ConnectTarget.sanitized("x".repeat(500))).hasSize(83).endsWith("...");
        assertThat(ConnectTarget.sanitized("é\u2028")).isEqualTo("\\xe9\\u2028");
    }
}
