package dev.nightshift.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SigningKeysTest {

    static final String SECRET = "0123456789abcdef0123456789abcdef";

    @Test
    void anUnsetKeyNamesTheSettingAndItsVariable() {
        assertThatThrownBy(() -> SigningKeys.of(null, null))
                .hasMessageContaining("nightshift.signing.key (NIGHTSHIFT_SIGNING_KEY) is not set");
        assertThatThrownBy(() -> SigningKeys.of("  ", ""))
                .hasMessageContaining("nightshift.signing.key (NIGHTSHIFT_SIGNING_KEY) is not set");
    }

    @Test
    void aKeyNeedsAnIdAndThirtyTwoCharactersOfSecret() {
        assertThatThrownBy(() -> SigningKeys.of(SECRET, null)).hasMessageContaining("must be <key id>:<secret>");
        assertThatThrownBy(() -> SigningKeys.of(":" + SECRET, null)).hasMessageContaining("the key id must be");
        assertThatThrownBy(() -> SigningKeys.of("k1:" + SECRET.substring(1), null))
                .hasMessageContaining("nightshift.signing.key (NIGHTSHIFT_SIGNING_KEY) (key id k1): the secret has 31 characters, at least 32")
                .hasMessageNotContaining(SECRET.substring(1));
    }

    @Test
    void placeholderSecretsAreRefusedHoweverLong() {
        assertThatThrownBy(() -> SigningKeys.of("k1:change-me", null)).hasMessageContaining("well-known placeholder");
        assertThatThrownBy(() -> SigningKeys.of("k1:local-dev-secret-local-dev-secret-local", null)).hasMessageContaining("well-known placeholder");
    }

    @Test
    void acceptedKeysAreCheckedAndNamedAsTheirOwnSetting() {
        assertThatThrownBy(() -> SigningKeys.of("k2:" + SECRET, "k1:short"))
                .hasMessageContaining("nightshift.signing.accepted-keys (NIGHTSHIFT_SIGNING_ACCEPTED_KEYS) (key id k1)");
        assertThatThrownBy(() -> SigningKeys.of("k2:" + SECRET, "k2:" + SECRET.toUpperCase()))
                .hasMessageContaining("names key id k2 twice");
        SigningKeys keys = SigningKeys.of("k2:" + SECRET, " k1:" + SECRET.toUpperCase() + " , ");
        assertThat(keys.signing().id()).isEqualTo("k2");
        assertThat(keys.accepted("k1")).isPresent();
        assertThat(keys.accepted("k3")).isEmpty();
        assertThat(keys.toString()).doesNotContain(SECRET).doesNotContain(SECRET.toUpperCase());
    }
}
