package dev.expacti;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API is exactly this list: everything else is package-private, free to change. A class
 * made public by mistake (or a public one lost) fails here.
 */
class PublicApiTest {
  private static final List<String> PUBLIC =
      List.of(
          "CommandDeniedException",
          "CommandTimeoutException",
          "Decision",
          "DecisionState",
          "ExpactiAuthenticationException",
          "ExpactiClient",
          "ExpactiClient$Builder",
          "ExpactiConnectionException",
          "ExpactiException",
          "ExpactiProtocolException",
          "Progress",
          "RunOptions",
          "RunOptions$Builder",
          "SessionInfo",
          "SessionStatus");

  @Test
  void theExportedTypesArePinned() throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes =
        Path.of(ExpactiClient.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve("dev/expacti");
    List<String> names;
    try (Stream<Path> files = Files.list(classes)) {
      names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".class")).toList();
    }
    List<String> exported =
        names.stream()
            .map(n -> n.substring(0, n.length() - ".class".length()))
            .filter(n -> isPublic("dev.expacti." + n))
            .sorted()
            .toList();
    assertEquals(PUBLIC, exported);
  }

  @Test
  void everyExceptionIsAnExpactiException() {
    for (Class<?> type :
        List.of(
            CommandDeniedException.class,
            CommandTimeoutException.class,
            ExpactiConnectionException.class,
            ExpactiProtocolException.class)) {
      assertEquals(ExpactiException.class, type.getSuperclass());
    }
    assertEquals(
        ExpactiConnectionException.class, ExpactiAuthenticationException.class.getSuperclass());
    assertEquals(RuntimeException.class, ExpactiException.class.getSuperclass());
  }

  @Test
  void theVersionIsThePoms() throws IOException {
    String pom = Files.readString(Path.of("pom.xml"));
    String declared = pom.substring(pom.indexOf("<artifactId>expacti</artifactId>"));
    declared =
        declared.substring(declared.indexOf("<version>") + 9, declared.indexOf("</version>"));
    assertEquals(declared, ExpactiClient.VERSION);
  }

  private static boolean isPublic(String name) {
    try {
      Class<?> type = Class.forName(name, false, PublicApiTest.class.getClassLoader());
      boolean enclosedPublic =
          type.getEnclosingClass() == null
              || Modifier.isPublic(type.getEnclosingClass().getModifiers());
      return Modifier.isPublic(type.getModifiers()) && enclosedPublic;
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }
}
