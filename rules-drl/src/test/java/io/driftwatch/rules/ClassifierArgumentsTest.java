package io.driftwatch.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** How an EXEC's arguments are read as paths for ClassifiedEvent.argumentRoles. */
class ClassifierArgumentsTest {

  @Test
  void anArgumentIsAPathFromTheRootWithGlobStarsAtTheEndsOfItsNameDropped() {
    assertEquals("/tmp", Classifier.argumentPath("/tmp"));
    assertEquals("/id_rsa", Classifier.argumentPath("id_rsa"));
    assertEquals("/id_rsa", Classifier.argumentPath("*id_rsa*"));
    assertEquals("/.key", Classifier.argumentPath("*.key"), "matches the *.key name list by its suffix");
    assertEquals("/.aws/credentials", Classifier.argumentPath(".aws/credentials"));
    assertEquals("/root/.ssh", Classifier.argumentPath("/root/.ssh/"));
    assertEquals("/dev/shm", Classifier.argumentPath("/dev/shm/*"), "a glob of a directory's entries: the directory");
    assertEquals("/etc/shadow", Classifier.argumentPath("/etc/../etc/./shadow"));
    assertEquals("/proc/1/environ", Classifier.argumentPath("'</proc/1/environ'"));
  }

  @Test
  void optionsAndPunctuationAreNoPaths() {
    assertNull(Classifier.argumentPath("-maxdepth"));
    assertNull(Classifier.argumentPath("--worker-tmp-dir=/dev/shm/w"));
    assertNull(Classifier.argumentPath("'|'"));
  }
}
