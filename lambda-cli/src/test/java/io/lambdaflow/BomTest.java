package io.lambdaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The BOM lists every library module of the build, at the build's version, and inherits the
 * parent's pins of third-party versions (an imported BOM brings its parent's dependency management;
 * ScaffoldTest builds a project that imports it).
 */
class BomTest {
  private static final Path ROOT = Path.of("..");

  private static List<String> all(Pattern pattern, String text) {
    List<String> found = new ArrayList<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  private static String artifactOf(Path pom) throws Exception {
    String text = Files.readString(pom).replaceAll("(?s)<parent>.*?</parent>", "");
    return all(Pattern.compile("<artifactId>([^<]+)</artifactId>"), text).get(0);
  }

  @Test
  void listsEveryLibraryModuleAtTheBuildsVersion() throws Exception {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String bom =
        Files.readString(ROOT.resolve("lambdaflow-bom/pom.xml")).replaceAll("(?s)<!--.*?-->", "");
    String managed =
        bom.substring(
            bom.indexOf("<dependencyManagement>"), bom.indexOf("</dependencyManagement>"));
    List<String> library = new ArrayList<>();
    for (String module : all(Pattern.compile("<module>([^<]+)</module>"), parent)) {
      if (!List.of("lambdaflow-bom", "lambdaflow-dist", "examples", "benchmarks")
          .contains(module)) {
        library.add(artifactOf(ROOT.resolve(module).resolve("pom.xml")));
      }
    }
    assertThat(library).hasSizeGreaterThan(10).contains("lambda-cli", "lambda-api");
    assertThat(all(Pattern.compile("<artifactId>([^<]+)</artifactId>"), managed))
        .containsExactlyInAnyOrderElementsOf(library);
    assertThat(all(Pattern.compile("<version>([^<]+)</version>"), managed))
        .containsOnly("${project.version}");
    String version = all(Pattern.compile("<version>([^<]+)</version>"), parent).get(0);
    assertThat(bom)
        .contains(
            "<parent>\n    <groupId>io.lambdaflow</groupId>\n"
                + "    <artifactId>lambdaflow-parent</artifactId>\n    <version>"
                + version
                + "</version>\n  </parent>");
  }
}
