package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The images the build makes are the images docker-compose.yml and k8s/ run: names, tag, and dispatch's
 * base. (The images themselves need the base images' registry, which these machines cannot reach.)
 */
class ImagesTest {

    private static final Path ROOT = Path.of("..");
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    @Test
    void composeAndKubernetesRunTheImagesTheBuildMakes() throws Exception {
        String root = Files.readString(ROOT.resolve("pom.xml"));
        String tag = property(root, "image.tag");
        JsonNode compose = YAML.readTree(Files.readString(ROOT.resolve("docker-compose.yml")));
        JsonNode kustomization = YAML.readTree(Files.readString(ROOT.resolve("k8s/base/kustomization.yaml")));
        for (String service : List.of("ingest", "dispatch", "report")) {
            String pom = Files.readString(ROOT.resolve(service + "-service/pom.xml"));
            assertThat(property(pom, "image.name")).isEqualTo(service);
            assertThat(pom).as(service + " builds its image with Jib").contains("<artifactId>jib-maven-plugin</artifactId>");
            assertThat(compose.path("services").path(service).path("image").asString()).isEqualTo("nightshift/" + service + ":" + tag);
            assertThat(kustomization.path("images").valueStream()
                    .filter(i -> i.path("name").asString().equals("nightshift/" + service)).map(i -> i.path("newTag").asString()))
                    .containsExactly(tag);
            assertThat(Files.readString(ROOT.resolve("k8s/base/" + service + ".yaml"))).contains("image: nightshift/" + service + "\n");
        }
        String dispatchBase = property(Files.readString(ROOT.resolve("dispatch-service/pom.xml")), "image.base");
        assertThat(dispatchBase).isEqualTo("docker://nightshift/dispatch-base:${image.tag}");
        // dispatch's base starts from the same Java image as the others
        assertThat(Files.readString(ROOT.resolve("dispatch-service/image/Dockerfile"))).contains("FROM " + property(root, "image.base") + "\n");
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
        assertThat(m.find()).as(name + " in the pom").isTrue();
        return m.group(1).strip();
    }
}
