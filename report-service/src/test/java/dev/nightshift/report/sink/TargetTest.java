package dev.nightshift.report.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.nightshift.report.target.TargetFault;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;

/** A target's manners against a stand-in API: spacing, Retry-After, reset headers, 5xx bursts, dropped connections, bad tokens. */
class TargetTest {

    private static final WireMockServer api = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
    private RestClient client;
    private SinkGate gate;

    @BeforeAll
    static void start() {
        api.start();
    }

    @AfterAll
    static void stop() {
        api.stop();
    }

    @BeforeEach
    void setUp() {
        api.resetAll();
        client = RestClient.builder().baseUrl(api.baseUrl()).build();
        gate = new SinkGate("stand-in", "the stand-in's token setting", new SimpleMeterRegistry());
    }

    private Target target(int attempts, Duration spacing, Duration inCallWait) {
        return new Target("stand-in", new Limits(1, spacing, attempts, inCallWait, Duration.ofSeconds(1), null), gate, new SimpleMeterRegistry());
    }

    private String fetch(Target target) {
        return target.call("GET /thing", () -> client.get().uri("/thing").retrieve().body(String.class));
    }

    @Test
    void spacesRequestsEvenly() {
        api.stubFor(get("/thing").willReturn(okJson("{}")));
        Target target = target(1, Duration.ofMillis(200), Duration.ofSeconds(5));
        for (int i = 0; i < 6; i++) {
            fetch(target);
        }
        List<LoggedRequest> requests = api.findAll(getRequestedFor(urlEqualTo("/thing")));
        assertThat(requests).hasSize(6);
        // one permit per 200 ms cycle: the sixth request's cycle starts at least four whole cycles after the first's
        // ends, so they are over 800 ms apart less what delayed the first one's arrival (two consecutive ones can be
        // close: the end of one cycle and the start of the next); unspaced, six requests take a few milliseconds
        long span = requests.getLast().getLoggedDate().getTime() - requests.getFirst().getLoggedDate().getTime();
        assertThat(span).isGreaterThanOrEqualTo(600);
    }

    @Test
    void waitsAsLongAsRetryAfterSaysThenSucceeds() {
        api.stubFor(get("/thing").inScenario("limited").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2")).willSetStateTo("free"));
        api.stubFor(get("/thing").inScenario("limited").whenScenarioStateIs("free").willReturn(okJson("{\"ok\":true}")));
        assertThat(fetch(target(3, Duration.ofMillis(1), Duration.ofSeconds(5)))).contains("ok");
        List<LoggedRequest> requests = api.findAll(getRequestedFor(urlEqualTo("/thing")));
        assertThat(requests).hasSize(2);
        assertThat(requests.get(1).getLoggedDate().getTime() - requests.get(0).getLoggedDate().getTime()).isGreaterThanOrEqualTo(1_900);
    }

    @Test
    void aRateLimitedForbiddenWaitsForTheResetInsteadOfPausingTheSink() {
        long reset = System.currentTimeMillis() / 1000 + 2;
        api.stubFor(get("/thing").inScenario("secondary").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(403).withHeader("x-ratelimit-remaining", "0").withHeader("x-ratelimit-reset", String.valueOf(reset)))
                .willSetStateTo("free"));
        api.stubFor(get("/thing").inScenario("secondary").whenScenarioStateIs("free").willReturn(okJson("{\"ok\":true}")));
        assertThat(fetch(target(3, Duration.ofMillis(1), Duration.ofSeconds(5)))).contains("ok");
        assertThat(gate.closedBecause()).isEmpty();
        List<LoggedRequest> requests = api.findAll(getRequestedFor(urlEqualTo("/thing")));
        assertThat(requests.get(1).getLoggedDate().getTime()).isGreaterThanOrEqualTo(reset * 1000 - 50);
    }

    @Test
    void aLongerWaitLeavesTheCallAndNoCallIsMadeUntilItEnds() {
        api.stubFor(get("/thing").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "30")));
        Target target = target(3, Duration.ofMillis(1), Duration.ofSeconds(5));
        assertThatThrownBy(() -> fetch(target)).isInstanceOfSatisfying(TargetFault.RateLimited.class,
                limited -> assertThat(limited.waitFor()).isEqualTo(Duration.ofSeconds(30)));
        assertThatThrownBy(() -> fetch(target)).isInstanceOf(TargetFault.RateLimited.class).hasMessageContaining("not sent");
        api.verify(1, getRequestedFor(urlEqualTo("/thing")));
    }

    @Test
    void aBurstOf5xxAndADroppedConnectionAreTriedAgain() {
        api.stubFor(get("/thing").inScenario("burst").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(502)).willSetStateTo("second"));
        api.stubFor(get("/thing").inScenario("burst").whenScenarioStateIs("second")
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("third"));
        api.stubFor(get("/thing").inScenario("burst").whenScenarioStateIs("third")
                .willReturn(aResponse().withStatus(500)).willSetStateTo("up"));
        api.stubFor(get("/thing").inScenario("burst").whenScenarioStateIs("up").willReturn(okJson("{\"ok\":true}")));
        assertThat(fetch(target(4, Duration.ofMillis(1), Duration.ofSeconds(5)))).contains("ok");
        api.verify(4, getRequestedFor(urlEqualTo("/thing")));
    }

    @Test
    void aLasting5xxLeavesAsUnavailableAfterTheAttempts() {
        api.stubFor(get("/thing").willReturn(aResponse().withStatus(503).withBody("down for maintenance")));
        assertThatThrownBy(() -> fetch(target(2, Duration.ofMillis(1), Duration.ofSeconds(5))))
                .isInstanceOf(TargetFault.Unavailable.class)
                .hasMessage("GET /thing answered 503: down for maintenance");
        api.verify(2, getRequestedFor(urlEqualTo("/thing")));
    }

    @Test
    void aRejectedTokenClosesTheGateSoNothingMoreIsSentUntilAProbePasses() {
        api.stubFor(get("/thing").willReturn(aResponse().withStatus(401).withBody("{\"message\":\"Bad credentials\"}")));
        Target target = target(3, Duration.ofMillis(1), Duration.ofSeconds(5));
        assertThatThrownBy(() -> fetch(target)).isInstanceOf(TargetFault.CredentialRejected.class).hasMessageContaining("401");
        assertThat(gate.closedBecause()).hasValueSatisfying(why -> assertThat(why).contains("401").contains("Bad credentials"));
        assertThatThrownBy(() -> fetch(target)).isInstanceOf(TargetFault.CredentialRejected.class).hasMessageContaining("not sent");
        api.verify(1, getRequestedFor(urlEqualTo("/thing")));

        api.stubFor(get("/thing").willReturn(okJson("{\"ok\":true}")));
        target.probe("GET /thing", () -> client.get().uri("/thing").retrieve().body(String.class));
        gate.open();
        assertThat(fetch(target)).contains("ok");
    }

    @Test
    void anyOtherRefusalIsNotTriedAgain() {
        api.stubFor(get("/thing").willReturn(aResponse().withStatus(404).withBody("Not Found")));
        assertThatThrownBy(() -> fetch(target(4, Duration.ofMillis(1), Duration.ofSeconds(5))))
                .isInstanceOf(TargetFault.Refused.class).hasMessage("GET /thing answered 404: Not Found");
        api.verify(1, getRequestedFor(urlEqualTo("/thing")));
    }
}
