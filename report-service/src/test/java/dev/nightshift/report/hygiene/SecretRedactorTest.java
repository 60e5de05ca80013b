package dev.nightshift.report.hygiene;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SecretRedactorTest {

    private final SecretRedactor redactor = new SecretRedactor(List.of("report-github-token-value", "s3cr3t-signing-key-0123456789abcdef"));

    @Test
    void configuredValuesAreRedactedWhereverTheyStand() {
        assertThat(redactor.redact("env: GITHUB_TOKEN=report-github-token-value;key=s3cr3t-signing-key-0123456789abcdef."))
                .isEqualTo("env: GITHUB_TOKEN=[redacted];key=[redacted].");
    }

    @Test
    void aValueContainingAnotherIsRedactedWhole() {
        SecretRedactor nested = new SecretRedactor(List.of("abcdefgh", "abcdefgh-and-more"));
        assertThat(nested.redact("x abcdefgh-and-more y abcdefgh")).isEqualTo("x [redacted] y [redacted]");
    }

    @Test
    void blankValuesRedactNothing() {
        assertThat(new SecretRedactor(List.of("", " ")).redact("a b")).isEqualTo("a b");
    }

    @Test
    void anthropicKeys() {
        assertThat(redactor.redact("key sk-ant-api03-AbCdEf0123456789_-AbCdEf0123456789AbCdEf0123456789-AA end"))
                .isEqualTo("key [redacted] end");
    }

    @Test
    void openAiKeysOldProjectAndServiceAccount() {
        assertThat(redactor.redact("sk-AbCdEf0123456789AbCdEf0123456789AbCdEf012345 and sk-proj-Ab_Cd-Ef0123456789AbCdEf0123456789"
                + " and sk-svcacct-AbCdEf0123456789AbCdEf0123")).isEqualTo("[redacted] and [redacted] and [redacted]");
    }

    @Test
    void wordsEndingInSkAreNoKeys() {
        assertThat(redactor.redact("a risk-assessment-of-the-whole-thing and task-0123456789abcdefghijk"))
                .isEqualTo("a risk-assessment-of-the-whole-thing and task-0123456789abcdefghijk");
    }

    @Test
    void gitHubTokensOfEveryKind() {
        String classic = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
        assertThat(redactor.redact(classic + " gho_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8" + " ghu_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
                + " ghs_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8 ghr_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
                + " github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01234567"))
                .isEqualTo("[redacted] [redacted] [redacted] [redacted] [redacted] [redacted]");
    }

    @Test
    void linearKeys() {
        assertThat(redactor.redact("lin_api_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0 lin_oauth_0123456789abcdef0123456789abcdef"))
                .isEqualTo("[redacted] [redacted]");
    }

    @Test
    void airtableTokensAndLegacyKeys() {
        assertThat(redactor.redact("patAbCdEf01234567.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef keyA1b2C3d4E5f6G7"))
                .isEqualTo("[redacted] [redacted]");
        assertThat(redactor.redact("keyboardShortcuts and keyPressedHandlers")).isEqualTo("keyboardShortcuts and keyPressedHandlers");
    }

    @Test
    void awsAccessKeysAndSecretKeys() {
        assertThat(redactor.redact("AKIAIOSFODNN7EXAMPLE aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
                .isEqualTo("[redacted] aws_secret_access_key = [redacted]");
    }

    @Test
    void privateKeyBlocksWholeAndAnUnendedOneToTheEnd() {
        String pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----";
        assertThat(redactor.redact("before\n" + pem + "\nafter")).isEqualTo("before\n[redacted]\nafter");
        assertThat(redactor.redact("a -----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAKCAQEA")).isEqualTo("a [redacted]");
        assertThat(redactor.redact("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"))
                .as("a certificate is public").isEqualTo("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
    }

    @Test
    void commitIdsStayButAHexTokenNamedSoIsRedacted() {
        String sha = "3f786850e387550fdab836ed7e6dc881de23001b";
        assertThat(redactor.redact("Fixed in " + sha + " (see " + sha.substring(0, 7) + ")")).isEqualTo("Fixed in " + sha + " (see 3f78685)");
        assertThat(redactor.redact("TODOIST_API_TOKEN=" + sha + ", Authorization: Bearer " + sha + ", api_key: \"" + sha + "\""))
                .isEqualTo("TODOIST_API_TOKEN=[redacted], Authorization: Bearer [redacted], api_key: \"[redacted]\"");
    }

    @Test
    void hugeAdversarialInputsTakeLinearTime() {
        for (String unit : List.of("sk-", "sk-ant-a", "-----BEGIN ", "-----BEGIN RSA PRIVATE KEY-----", "key1", "token: ", "ghp_a",
                "aws_secret_access_key=", "pat0123456789abcd.")) {
            String text = unit.repeat(400_000 / unit.length());
            long start = System.nanoTime();
            redactor.redact(text);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as(unit).isLessThan(Duration.ofSeconds(2));
        }
    }
}
