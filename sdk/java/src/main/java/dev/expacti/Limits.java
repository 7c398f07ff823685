package dev.expacti;

import java.util.Map;

/**
 * What a {@code submit} must respect, from the latest {@code hello}, else the protocol's defaults.
 */
record Limits(int maxCommandBytes, int maxFrameBytes, int maxMetadataBytes) {
  static final Limits DEFAULT = new Limits(65536, 1048576, 16384);

  /** The limits a {@code hello} announced; missing or odd ones keep the default. */
  static Limits from(Map<String, Long> announced) {
    return new Limits(
        pick(announced, "max_command_bytes", DEFAULT.maxCommandBytes),
        pick(announced, "max_frame_bytes", DEFAULT.maxFrameBytes),
        pick(announced, "max_metadata_bytes", DEFAULT.maxMetadataBytes));
  }

  /** The organisation's timeout in seconds from a {@code hello}, if it is usable; else null. */
  static Integer policySeconds(Map<String, Long> announced) {
    Long value = announced.get("timeout_seconds");
    boolean usable = value != null && value > 0 && value <= RunOptions.MAX_TIMEOUT.getSeconds();
    return usable ? value.intValue() : null;
  }

  private static int pick(Map<String, Long> announced, String key, int fallback) {
    Long value = announced.get(key);
    return value != null && value > 0 && value <= Integer.MAX_VALUE ? value.intValue() : fallback;
  }
}
