/// One entry of a loader's built-in list of AMD patch digests: Linux's
/// `struct patch_digest { u32 patch_id; u8 sha256[32]; }` (amd_shas.c) and
/// Xen's (amd-patch-digests.c), as read from the binary's own bytes.
public struct PatchDigest: Sendable, Hashable {
    public var patchID: UInt32
    public var sha256: [UInt8]

    public init(patchID: UInt32, sha256: [UInt8]) {
        self.patchID = patchID
        self.sha256 = sha256
    }
}
