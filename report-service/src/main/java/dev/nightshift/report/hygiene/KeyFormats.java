package dev.nightshift.report.hygiene;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The shapes of the keys an agent could hold or find, from the formats their issuers document. Each pattern is
 * a fixed prefix and one bounded or possessive character class, with no nested repetition, so matching stays
 * linear in the text's length. A match's group {@code secret} (or the whole match) is what is redacted.
 * <p>
 * Not matched by shape: a bare 40-character hex string, the shape of Todoist's tokens and of every git commit
 * id an agent names. Such a token is redacted when it is a configured value (report's own Todoist token) or
 * stands after a word that says it is one ({@code token}, {@code bearer}, {@code api key}, {@code secret}).
 */
final class KeyFormats {

    /** A key format, by the issuer it belongs to. */
    record KeyFormat(String name, Pattern pattern) {
    }

    /** Not preceded by a character that would make the prefix the tail of a longer word. */
    private static final String START = "(?<![A-Za-z0-9_-])";
    private static final String END = "(?![A-Za-z0-9])";

    static final List<KeyFormat> ALL = List.of(
            new KeyFormat("Anthropic", Pattern.compile(START + "sk-ant-[A-Za-z0-9_-]{20,}+")),
            new KeyFormat("OpenAI", Pattern.compile(START + "sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}+")),
            new KeyFormat("GitHub", Pattern.compile(START + "(?:gh[pousr]_[A-Za-z0-9]{30,}+|github_pat_[A-Za-z0-9_]{30,}+)")),
            new KeyFormat("Linear", Pattern.compile(START + "lin_(?:api|oauth)_[A-Za-z0-9]{20,}+")),
            new KeyFormat("Airtable token", Pattern.compile(START + "pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}" + END)),
            // legacy API keys: 'key' and 14 letters or digits, at least one a digit (so 'keyboardShortcut' is a word)
            new KeyFormat("Airtable key", Pattern.compile(START + "key(?=[A-Za-z]{0,13}[0-9])[A-Za-z0-9]{14}" + END)),
            new KeyFormat("AWS access key", Pattern.compile(START + "(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}" + END)),
            new KeyFormat("AWS secret key", Pattern.compile(
                    "(?i)aws_?secret_?access_?key[\"']?[ \\t]{0,5}[:=][ \\t]{0,5}[\"']?(?<secret>[A-Za-z0-9/+]{40})" + END)),
            new KeyFormat("Todoist or other hex token", Pattern.compile(
                    "(?i)(?<![A-Za-z])(?:token|bearer|api[_ -]?key|secret)[\"']?[ \\t]{0,5}[:=]?[ \\t]{0,5}[\"']?(?<secret>[0-9a-f]{40})(?![0-9a-f])")));

    private KeyFormats() {
    }
}
