package dev.nightshift.observability.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;

class ManagementTokenTest {

    private final ManagementToken token = new ManagementToken("s3cr3t-management-token");

    @Test
    void theConfiguredTokenMatchesAndNothingElse() {
        assertThat(token.matches("s3cr3t-management-token")).isTrue();
        assertThat(token.matches("s3cr3t-management-toke")).isFalse();
        assertThat(token.matches("s3cr3t-management-token ")).isFalse();
        assertThat(token.matches("S3CR3T-MANAGEMENT-TOKEN")).isFalse();
        assertThat(token.matches("")).isFalse();
        assertThat(token.matches(null)).isFalse();
    }

    @Test
    void withoutAConfiguredTokenNothingMatches() {
        for (ManagementToken unset : new ManagementToken[] {new ManagementToken(null), new ManagementToken(" ")}) {
            assertThat(unset.matches("")).isFalse();
            assertThat(unset.matches(" ")).isFalse();
            assertThat(unset.matches("null")).isFalse();
            assertThatThrownBy(() -> unset.authenticate(presented("Bearer "))).isInstanceOf(BadCredentialsException.class);
        }
    }

    @Test
    void readsABearerHeaderOnly() {
        assertThat(ManagementToken.presented(new MockHttpServletRequest())).isNull();
        assertThat(presented("Basic b3BlcmF0b3I6eA==")).isNull();
        assertThat(presented("bearer s3cr3t-management-token").getCredentials()).isEqualTo("s3cr3t-management-token");
        assertThat(token.authenticate(presented("Bearer s3cr3t-management-token")).isAuthenticated()).isTrue();
        assertThatThrownBy(() -> token.authenticate(presented("Bearer wrong"))).isInstanceOf(BadCredentialsException.class);
    }

    @Test
    void knownPlaceholdersAreRefusedNamingTheSetting() {
        for (String placeholder : new String[] {"change-me", "CHANGE_ME", "local-dev-secret", "changeme", "secret"}) {
            assertThat(PlaceholderSecrets.isPlaceholder(placeholder)).as(placeholder).isTrue();
        }
        assertThat(PlaceholderSecrets.isPlaceholder("k3J9-xq2vLr8s0Pz")).isFalse();
        assertThat(PlaceholderSecrets.isPlaceholder(null)).isFalse();
        assertThatThrownBy(() -> new ManagementProperties("change-me"))
                .hasMessageStartingWith("nightshift.management.token (NIGHTSHIFT_MANAGEMENT_TOKEN) is a well-known placeholder");
        assertThat(new ManagementProperties(null).tokenSet()).isFalse();
    }

    private static Authentication presented(String header) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.addHeader("Authorization", header);
        return ManagementToken.presented(request);
    }
}
