package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalPathTest {

  @ParameterizedTest
  @CsvSource({
      "/usr/bin/dpkg, /usr/bin/dpkg",
      "/usr//bin/dpkg, /usr/bin/dpkg",
      "/usr/bin/./dpkg, /usr/bin/dpkg",
      "/usr/lib/../bin/dpkg, /usr/bin/dpkg",
      "/usr/bin/, /usr/bin",
      "//usr///bin//, /usr/bin",
      "/../../etc/passwd, /etc/passwd",
      "/tmp/.., /",
      "/, /",
      "/., /",
      "/root/.bash_history, /root/.bash_history",
      "/a/..b/c, /a/..b/c",
      "relative/../x, x",
      "../x, ../x",
      "./x/, x",
  })
  void resolvesDotsAndSlashes(String raw, String canonical) {
    assertEquals(canonical, CanonicalPath.of(raw));
  }

  @Test
  void aCanonicalPathIsReturnedAsIs() {
    String path = "/usr/local/bin/kubectl";
    assertSame(path, CanonicalPath.of(path));
  }

  @Test
  void nullStaysNull() {
    assertNull(CanonicalPath.of(null));
  }
}
