package dev.nightshift.report.markdown;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Makes a text that a tool renders as Markdown (GitHub, Linear, Todoist; Airtable's rich text) load nothing
 * on its own, and link only to allowed hosts:
 * <ul>
 * <li>every {@code <} becomes {@code &lt;}, so no raw HTML ({@code <img>}, {@code <picture>}, {@code <svg>},
 *     autolinks in angle brackets) exists;</li>
 * <li>an image {@code ![alt](url)} becomes {@code [image: alt]}; any other {@code ![} (reference images,
 *     broken ones) gets its {@code !} escaped, so no image exists;</li>
 * <li>every {@code ]:} gets its {@code ]} escaped, so no link reference definition exists and no reference
 *     link or image can resolve;</li>
 * <li>a link {@code [text](url)} and a bare URL to a host not allowed keep their text, and the URL is shown
 *     as code: not clickable, its host visible.</li>
 * </ul>
 * Only fenced code blocks opened at the start of a line ({@code ```} or {@code ~~~} in the first column) are
 * left as they are: every renderer shows them literally, and no container can end them early there. Elsewhere
 * the escaping applies even inside inline code spans (where {@code <} then shows as {@code &lt;}): deciding
 * what a renderer takes for code is where a hand parser and GitHub's would disagree, so it is not decided.
 * <p>
 * One pass, each character looked at a bounded number of times: linear in the text's length.
 */
public final class InertMarkdown {

    private static final int ALT_MAX = 1_000;
    /** Fenced languages a renderer draws rather than shows: Mermaid, GeoJSON/TopoJSON maps, STL models, math. */
    private static final Set<String> DRAWN = Set.of("mermaid", "geojson", "topojson", "stl", "math", "plantuml", "latex");
    private static final Pattern LINE_ENDINGS = Pattern.compile("\r\n?");
    /** An absolute http(s) URL whose authority is a plain host name (no user, no escapes), with optional port. */
    private static final Pattern WEB_URL = Pattern.compile("(?i)https?://([a-z0-9.-]{1,253})(?::[0-9]{1,5})?(?:[/?#].*)?");

    private final Predicate<String> allowedHost;

    /** @param allowedHost whether links to this host (lower case) stay links */
    public InertMarkdown(Predicate<String> allowedHost) {
        this.allowedHost = allowedHost;
    }

    /**
     * A text already made inert, cut to at most {@code max} characters (an ellipsis marking the cut) and made
     * inert again: a cut can end a code span or fence early, which would expose what it held. A fence left open
     * by the cut is closed, so what a sink appends stays outside it.
     */
    public static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        InertMarkdown links = new InertMarkdown(host -> true);
        Result result = links.scan(text.substring(0, max - 1) + "…");
        return result.fenceOpen() ? result.text() + "\n" + result.fence() : result.text();
    }

    /** The text with nothing that loads on its own and no link outside the allowed hosts. */
    public String render(String text) {
        if (text == null) {
            return null;
        }
        return scan(text).text();
    }

    private record Result(String text, boolean fenceOpen, String fence) {
    }

    private Result scan(String raw) {
        String text = LINE_ENDINGS.matcher(raw).replaceAll("\n");
        int n = text.length();
        StringBuilder out = new StringBuilder(n + n / 8);
        String fence = null;
        int imageClose = -1;
        int imageEnd = -1;
        int noParenUntil = -1;
        int i = 0;
        boolean lineStart = true;
        while (i < n) {
            if (lineStart) {
                lineStart = false;
                int eol = text.indexOf('\n', i);
                eol = eol < 0 ? n : eol;
                String line = text.substring(i, eol);
                if (fence != null) {
                    if (closes(line, fence)) {
                        fence = null;
                    }
                    out.append(line);
                    i = eol;
                    continue;
                }
                String opened = opens(line);
                if (opened != null) {
                    fence = opened;
                    out.append(drawnAsText(line, opened));
                    i = eol;
                    continue;
                }
            }
            if (i == imageClose) {
                out.append(']');
                i = imageEnd;
                imageClose = -1;
                continue;
            }
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> {
                    out.append(c);
                    lineStart = true;
                    i++;
                }
                case '\\' -> {
                    // an escape is kept whole, so what it escapes is never taken for syntax below; an escaped <
                    // becomes the entity, for renderers that know no escapes
                    if (i + 1 < n && text.charAt(i + 1) == '<') {
                        out.append("&lt;");
                        i += 2;
                    } else if (i + 1 < n && isAsciiPunctuation(text.charAt(i + 1))) {
                        out.append(text, i, i + 2);
                        i += 2;
                    } else {
                        out.append(c);
                        i++;
                    }
                }
                case '<' -> {
                    out.append("&lt;");
                    i++;
                }
                case '!' -> {
                    if (i + 1 < n && text.charAt(i + 1) == '[') {
                        int close = imageAltEnd(text, i + 2);
                        int end = -1;
                        if (close >= 0 && close + 1 < n && text.charAt(close + 1) == '(' && close + 2 >= noParenUntil) {
                            end = closingParenthesis(text, close + 2);
                            if (end < 0) {
                                // none up to the line's end: the next image on this line need not look again
                                noParenUntil = text.indexOf('\n', close + 2) < 0 ? n : text.indexOf('\n', close + 2);
                            }
                        }
                        if (end > 0) {
                            out.append("[image: ");
                            imageClose = close;
                            imageEnd = end;
                            i += 2;
                        } else {
                            out.append("\\!");
                            i++;
                        }
                    } else {
                        out.append(c);
                        i++;
                    }
                }
                case ']' -> {
                    if (i + 1 < n && text.charAt(i + 1) == ':') {
                        out.append("\\]");
                        i++;
                    } else if (i + 1 < n && text.charAt(i + 1) == '(') {
                        i = destination(text, i + 2, out);
                    } else {
                        out.append(c);
                        i++;
                    }
                }
                default -> {
                    int url = bareUrlEnd(text, i);
                    if (url > i) {
                        String link = text.substring(i, url);
                        out.append(allowed(link.regionMatches(true, 0, "www.", 0, 4) ? "https://" + link : link) ? link : code(link));
                        i = url;
                    } else {
                        out.append(c);
                        i++;
                    }
                }
            }
        }
        return new Result(out.toString(), fence != null, fence);
    }

    /**
     * An inline link's destination after {@code ](}: kept when it leads to an allowed host (or stays on the page's
     * own host), else shown as code after an escaped parenthesis, so the brackets before it are no link.
     * Returns where scanning goes on.
     */
    private int destination(String text, int from, StringBuilder out) {
        int n = text.length();
        int start = from;
        while (start < n && (text.charAt(start) == ' ' || text.charAt(start) == '\t')) {
            start++;
        }
        int end = start;
        int depth = 0;
        while (end < n) {
            char c = text.charAt(end);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '<' || c == '>' || c == '`') {
                break;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                if (depth == 0) {
                    break;
                }
                depth--;
            }
            end++;
        }
        String url = text.substring(start, end);
        boolean plain = end < n && start == from && (text.charAt(end) == ')' || text.charAt(end) == ' ');
        if (plain && !url.isEmpty() && allowed(url)) {
            out.append("](").append(url);
            return end;
        }
        // not a link: the destination, if any on this line, shown as code; one on the next line or in angle brackets
        // is left to the rest of the scan, which escapes its < like any other
        out.append("]\\(").append(text, from, start);
        if (!url.isEmpty()) {
            out.append(code(url));
        }
        return end;
    }

    /** Whether a link to this URL may stay clickable: an allowed host, or a path on the page's own host. */
    private boolean allowed(String url) {
        if (url.indexOf('\\') >= 0 || url.indexOf('&') >= 0 && !url.regionMatches(true, 0, "http", 0, 4)) {
            // browsers read \ as /, and entities are decoded before the URL is: neither decides the host here
            return false;
        }
        var web = WEB_URL.matcher(url);
        if (web.matches()) {
            return allowedHost.test(web.group(1).toLowerCase(Locale.ROOT));
        }
        if (url.startsWith("//") || url.contains(":") && url.indexOf(':') < firstOf(url, "/?#")) {
            // another host, or a scheme (javascript:, data:, mailto:, ...)
            return false;
        }
        try {
            return new URI(url).getHost() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static int firstOf(String s, String chars) {
        int first = s.length();
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return first;
    }

    /** Where an image's alt text ends (its {@code ]}), when it is plain text on one line; -1 otherwise. */
    private static int imageAltEnd(String text, int from) {
        int limit = Math.min(text.length(), from + ALT_MAX);
        for (int j = from; j < limit; j++) {
            char c = text.charAt(j);
            if (c == ']') {
                return j;
            }
            if (c == '[' || c == '\\' || c == '\n') {
                return -1;
            }
        }
        return -1;
    }

    /** After an image's {@code ](}: just past the {@code )} that ends it on the same line; -1 if there is none. */
    private static int closingParenthesis(String text, int from) {
        for (int j = from; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == ')') {
                return j + 1;
            }
            if (c == '\n') {
                return -1;
            }
        }
        return -1;
    }

    /** The end of a URL a renderer would link by itself (http://, https://, www.) starting here; {@code at} if none. */
    private static int bareUrlEnd(String text, int at) {
        boolean starts = text.regionMatches(true, at, "http://", 0, 7) || text.regionMatches(true, at, "https://", 0, 8)
                || text.regionMatches(true, at, "www.", 0, 4);
        // after a letter it is no URL to a renderer; after a backtick it is taken for code (as this class writes them)
        if (!starts || at > 0 && (Character.isLetterOrDigit(text.charAt(at - 1)) || text.charAt(at - 1) == '`')) {
            return at;
        }
        int end = at;
        while (end < text.length()) {
            char c = text.charAt(end);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || "<>`\"[]".indexOf(c) >= 0) {
                break;
            }
            end++;
        }
        // trailing punctuation, and a closing parenthesis opened before the URL, end the sentence, not the URL
        int unclosed = 0;
        for (int j = at; j < end; j++) {
            unclosed += text.charAt(j) == '(' ? 1 : text.charAt(j) == ')' ? -1 : 0;
        }
        while (end > at) {
            char last = text.charAt(end - 1);
            if ("?!.,:;*_~'".indexOf(last) >= 0) {
                end--;
            } else if (last == ')' && unclosed < 0) {
                end--;
                unclosed++;
            } else {
                break;
            }
        }
        return end;
    }

    /** A code span holding the text as it is, whatever backticks it holds. */
    static String code(String s) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < s.length(); i++) {
            run = s.charAt(i) == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        String ticks = "`".repeat(longest + 1);
        String pad = s.startsWith("`") || s.endsWith("`") ? " " : "";
        return ticks + pad + s + pad + ticks;
    }

    /** A fence opened by this line in the first column: its characters; null if the line opens none. */
    private static String opens(String line) {
        if (line.isEmpty() || line.charAt(0) != '`' && line.charAt(0) != '~') {
            return null;
        }
        char mark = line.charAt(0);
        int run = 0;
        while (run < line.length() && line.charAt(run) == mark) {
            run++;
        }
        if (run < 3 || mark == '`' && line.indexOf('`', run) >= 0) {
            return null;
        }
        return String.valueOf(mark).repeat(run);
    }

    /**
     * The opening line of a fence, with an info string naming a language that GitHub or Linear draws (a Mermaid
     * diagram, a map, a model, math) replaced by {@code text}: a drawing may load what it names.
     */
    private static String drawnAsText(String line, String fence) {
        String info = line.substring(fence.length()).strip().toLowerCase(Locale.ROOT);
        String language = info.split("[\\s{,]", 2)[0];
        return DRAWN.contains(language) ? fence + "text" : line;
    }

    /**
     * Whether this line closes the fence. Taken more widely than CommonMark does (any indentation): seeing a
     * fence close too early only escapes code, never leaves text unescaped.
     */
    private static boolean closes(String line, String fence) {
        String s = line.strip();
        if (s.length() < fence.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != fence.charAt(0)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiPunctuation(char c) {
        return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~';
    }
}
