package dev.nightshift.report.sink;

import java.util.Optional;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * A sink that writes with one credential: off without it (naming the setting that turns it on), and gated
 * while its target rejects it.
 */
public abstract class CredentialedSink implements Sink {

    private final String name;
    private final String credentialSetting;
    private final boolean configured;
    private final SinkGate gate;

    /**
     * @param credentialSetting the setting (and variable) that holds the credential, for messages
     * @param configured        whether the credential is set
     */
    protected CredentialedSink(String name, String credentialSetting, boolean configured, MeterRegistry meters) {
        this.name = name;
        this.credentialSetting = credentialSetting;
        this.configured = configured;
        this.gate = new SinkGate(name, credentialSetting, meters);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Optional<String> offBecause() {
        return configured ? Optional.empty() : Optional.of("no credential: set " + credentialSetting);
    }

    @Override
    public final SinkGate gate() {
        return gate;
    }
}
