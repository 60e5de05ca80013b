package dev.nightshift.signing;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code nightshift.signing}: the key this service signs its records with ({@code <key id>:<secret>}, the
 * same in ingest, dispatch and report) and, while keys rotate, others it accepts too.
 */
@ConfigurationProperties("nightshift.signing")
public record SigningProperties(String key, String acceptedKeys) {

    /** @throws IllegalArgumentException naming the setting, so the service does not start */
    public SigningKeys keys() {
        return SigningKeys.of(key, acceptedKeys);
    }
}
