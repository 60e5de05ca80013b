package dev.nightshift.dispatch.egress;

import static dev.nightshift.dispatch.egress.GlobalUnicastTest.v6Kept;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EgressRulesTest {

    /** A stand-in for DNS: each name's answers, as a resolver would give them. */
    private static Resolver dns(Map<String, List<String>> answers) {
        return name -> {
            List<String> a = answers.get(name);
            if (a == null) {
                throw new UnknownHostException(name);
            }
            return a.stream().map(GlobalUnicastTest::v6Kept).toArray(InetAddress[]::new);
        };
    }

    private static EgressRules rules(List<String> allowed, Map<String, List<String>> answers) {
        return new EgressRules(allowed, Map.of("gateway.internal", v6Kept("10.0.0.5")), dns(answers));
    }

    @ParameterizedTest
    @ValueSource(strings = {"::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "::1", "10.0.0.1", "fd00::1",
            "2001:db8::1", "169.254.169.254"})
    void anAllowlistedNameAnsweringANonGlobalAddressIsRefused(String answer) {
        EgressRules r = rules(List.of("api.example.com"), Map.of("api.example.com", List.of(answer)));

        assertThat(r.decide(ConnectTarget.parse("api.example.com:443"))).isInstanceOfSatisfying(EgressRules.Decision.Refused.class,
                refused -> {
                    assertThat(refused.outcome()).isEqualTo(Outcome.REFUSED_ADDRESS);
                    assertThat(refused.reason()).contains("api.example.com resolves to", "only global unicast");
                });
    }

    @Test
    void oneNonGlobalAnswerAmongGlobalOnesIsEnoughToRefuse() {
        EgressRules r = rules(List.of("api.example.com"), Map.of("api.example.com", List.of("93.184.215.14", "::ffff:127.0.0.1")));

        assertThat(r.decide(ConnectTarget.parse("api.example.com:443"))).isInstanceOf(EgressRules.Decision.Refused.class);
    }

    @Test
    void aGlobalAnswerIsAllowedAndAMappedOneIsReachedAtItsIpv4Address() {
        EgressRules r = rules(List.of("api.example.com", "v4.example.com"),
                Map.of("api.example.com", List.of("2606:4700::1111"), "v4.example.com", List.of("::ffff:93.184.215.14")));

        assertThat(r.decide(ConnectTarget.parse("api.example.com:443")))
                .isEqualTo(new EgressRules.Decision.Allowed(new InetSocketAddress(v6Kept("2606:4700::1111"), 443)));
        assertThat(r.decide(ConnectTarget.parse("v4.example.com:443")))
                .isEqualTo(new EgressRules.Decision.Allowed(new InetSocketAddress(v6Kept("93.184.215.14"), 443)));
    }

    @Test
    void aPinnedNameKeepsItsPrivateAddressWithoutAskingTheResolver() {
        EgressRules r = rules(List.of("gateway.internal:8443"), Map.of());

        assertThat(r.decide(ConnectTarget.parse("gateway.internal:8443")))
                .isEqualTo(new EgressRules.Decision.Allowed(new InetSocketAddress(v6Kept("10.0.0.5"), 8443)));
    }

    @Test
    void namesOffTheListOrPortsNotListedAreRefusedBeforeAnyLookup() {
        Resolver failing = name -> {
            throw new AssertionError("no lookup for a name not on the list: " + name);
        };
        EgressRules r = new EgressRules(List.of("api.example.com", "*.example.org:8443"), Map.of(), failing);

        for (String t : List.of("evil.test:443", "api.example.com:80", "example.org:8443", "a.example.org:443", "127.0.0.1:443")) {
            assertThat(r.decide(ConnectTarget.parse(t))).as(t).isInstanceOfSatisfying(EgressRules.Decision.Refused.class,
                    refused -> assertThat(refused.outcome()).isEqualTo(Outcome.REFUSED));
        }
    }

    @Test
    void anUnresolvableNameIsRefusedAsSuch() {
        EgressRules r = rules(List.of("gone.example.com"), Map.of());

        assertThat(r.decide(ConnectTarget.parse("gone.example.com:443"))).isInstanceOfSatisfying(EgressRules.Decision.Refused.class,
                refused -> assertThat(refused.outcome()).isEqualTo(Outcome.UNRESOLVED));
    }

    @Test
    void aListedIpLiteralIsStillHeldToGlobalUnicast() {
        EgressRules r = rules(List.of("127.0.0.1", "8.8.8.8"), Map.of());

        assertThat(r.decide(ConnectTarget.parse("127.0.0.1:443"))).isInstanceOf(EgressRules.Decision.Refused.class);
        assertThat(r.decide(ConnectTarget.parse("[::ffff:7f00:1]:443"))).isInstanceOf(EgressRules.Decision.Refused.class);
        assertThat(r.decide(ConnectTarget.parse("8.8.8.8:443"))).isInstanceOf(EgressRules.Decision.Allowed.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"*.com", "*.co.uk", "*.github.io", "*.COM:443", "*.s3.amazonaws.com", "*.uk"})
    void aWildcardOnAPublicSuffixIsRefusedNamingTheEntry(String entry) {
        assertThatThrownBy(() -> EgressRules.check(List.of("api.anthropic.com", entry)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + entry + "'").hasMessageContaining("public suffix");
    }

    @ParameterizedTest
    @ValueSource(strings = {"*.example.com", "*.nightshift.github.io", "*.bbc.co.uk", "*.internal.test:8443", "github.com"})
    void aWildcardUnderARegisteredDomainIsAccepted(String entry) {
        EgressRules.check(List.of(entry));
    }

    @Test
    void aMalformedEntryIsRefusedAndShownSanitized() {
        assertThatThrownBy(() -> EgressRules.check(List.of("evil.test\r\nforged")))
                .hasMessageContaining("'evil.test\\x0d\\x0aforged'").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> EgressRules.check(List.of("*.-bad-.test"))).hasMessageContaining("no valid domain");
    }
}
