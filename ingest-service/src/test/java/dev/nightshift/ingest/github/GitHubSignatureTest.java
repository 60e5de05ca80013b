package dev.nightshift.ingest.github;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class GitHubSignatureTest {

    /** The example in GitHub's "Validating webhook deliveries". */
    private static final String SECRET = "It's a Secret to Everybody";
    private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    private static final String DOCUMENTED = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    @Test
    void signsAsGitHubDocumentsIt() {
        assertThat(GitHubSignature.sign(BODY, SECRET)).isEqualTo(DOCUMENTED);
    }

    @Test
    void acceptsOnlyTheExactSignatureOfTheExactBytes() {
        assertThat(GitHubSignature.verify(BODY, DOCUMENTED, SECRET)).isTrue();
        assertThat(GitHubSignature.verify(BODY, " " + DOCUMENTED + " ", SECRET)).isTrue();
        assertThat(GitHubSignature.verify("Hello, World! ".getBytes(StandardCharsets.UTF_8), DOCUMENTED, SECRET)).isFalse();
        assertThat(GitHubSignature.verify(BODY, DOCUMENTED, "another secret")).isFalse();
        assertThat(GitHubSignature.verify(BODY, DOCUMENTED.substring("sha256=".length()), SECRET)).as("without the prefix").isFalse();
        assertThat(GitHubSignature.verify(BODY, DOCUMENTED.toUpperCase(), SECRET)).isFalse();
        assertThat(GitHubSignature.verify(BODY, null, SECRET)).isFalse();
        assertThat(GitHubSignature.verify(BODY, "", SECRET)).isFalse();
    }
}
