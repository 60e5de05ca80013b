package dev.nightshift.report.hygiene;

import java.util.List;

/**
 * Settings that hold secrets, which nothing report writes may carry: each sink's settings name their own, so
 * hygiene gathers them ({@link HygieneConfiguration}) without knowing any sink.
 */
public interface SecretSettings {

    /** The secret values; unset and blank ones are ignored. */
    List<String> secrets();
}
