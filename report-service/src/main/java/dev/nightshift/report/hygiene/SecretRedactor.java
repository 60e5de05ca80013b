package dev.nightshift.report.hygiene;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces secrets in a text by {@value #REDACTED}: every configured value (report's tokens, the signing key,
 * {@code nightshift.report.redact.values}), every string in a well-known key format ({@link KeyFormats}), and
 * every private key block in PEM. Each is one scan of the text, so the whole is linear in its length.
 */
public final class SecretRedactor {

    public static final String REDACTED = "[redacted]";
    private static final String PEM_BEGIN = "-----BEGIN ";
    private static final Pattern PEM_HEADER = Pattern.compile("-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----");
    private static final Pattern PEM_FOOTER = Pattern.compile("-----END [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----");

    private final List<String> values;

    /** @param values the configured secrets; blank ones are ignored */
    public SecretRedactor(Collection<String> values) {
        // longest first, so a value that contains another is redacted whole
        this.values = values.stream().filter(v -> v != null && !v.isBlank()).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String s = privateKeys(text);
        for (String value : values) {
            s = s.replace(value, REDACTED);
        }
        for (KeyFormats.KeyFormat format : KeyFormats.ALL) {
            s = replace(format.pattern(), s);
        }
        return s;
    }

    private static String replace(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            return text;
        }
        boolean group = pattern.pattern().contains("(?<secret>");
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        do {
            int start = group ? m.start("secret") : m.start();
            int end = group ? m.end("secret") : m.end();
            out.append(text, last, start).append(REDACTED);
            last = end;
        } while (m.find());
        return out.append(text, last, text.length()).toString();
    }

    /**
     * PEM private key blocks, header to footer; one with no footer (cut, or a footer mangled) to the end of the
     * text, since everything after its header may be key. Found by indexOf, not one pattern with a lazy middle,
     * which would rescan the rest of the text for each header.
     */
    private static String privateKeys(String text) {
        int at = text.indexOf(PEM_BEGIN);
        if (at < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int last = 0;
        Matcher header = PEM_HEADER.matcher(text);
        Matcher footer = PEM_FOOTER.matcher(text);
        while (at >= 0) {
            if (header.region(at, text.length()).lookingAt()) {
                out.append(text, last, at).append(REDACTED);
                last = footer.region(header.end(), text.length()).find() ? footer.end() : text.length();
                at = text.indexOf(PEM_BEGIN, last);
            } else {
                at = text.indexOf(PEM_BEGIN, at + 1);
            }
        }
        return out.append(text, last, text.length()).toString();
    }
}
