/// SRDMedia: everything srd does with libav.
///
/// Start at `MediaReader` (open a file or an image sequence, get `MediaItem`s: decoded
/// `VideoFrame`s as planar float RGB, and `PassthroughPacket`s of the other streams) and
/// `MediaWriter` (encode frames with `EncodeSettings`, copy the packets, streams, chapters,
/// metadata and colour tags). Colour rules (matrix, range, defaults for untagged video) live in
/// `ColorSpec` and are shared by both directions. `SyntheticClip` writes test and sample clips.
/// Errors are `MediaError`s with one-line messages; the engine is never imported here.
@_exported import SRDImaging
