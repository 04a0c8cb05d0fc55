package dev.leasehold.allocator;

import java.nio.file.Path;
import java.util.List;

/** Loads resources from the allocator's YAML config file. (Being written.) */
final class ConfigFile {
  private ConfigFile() {}

  static List<ResourceConfig> load(Path file) {
    throw new UnsupportedOperationException("not yet");
  }
}
