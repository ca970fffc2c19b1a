//! Digests of the reference NAS-Bench-101 cell list (`shared/data/nb101_cells.csv.gz`, an exact
//! re-run of Google's enumeration), so cellspace can check its own enumeration without
//! shipping the 11 MB list.
//!
//! Made with:
//!   zcat nb101_cells.csv.gz | md5sum                                      -> FULL
//!   zcat nb101_cells.csv.gz | awk -F, 'NR==1 || $2<=6' | md5sum           -> UP_TO_6_VERTICES
//! i.e. the md5 of the CSV text (header included, `\n` line ends, rows sorted by hash) as
//! `data::write_nb101_cells` writes it.

/// md5 of the whole list (423,624 cells).
pub const FULL: &str = "83db5a63ce553ef5b166159a3d7637e0";
/// md5 of the header plus the rows with at most 6 vertices (64,542 cells).
pub const UP_TO_6_VERTICES: &str = "77fdbc5ae1044cc9b0fb6130ce6e8c62";
/// md5 of the header plus the rows with at most 5 vertices (2,532 cells).
pub const UP_TO_5_VERTICES: &str = "31a60d5f5029ff57eeb0de0f513a99d1";

/// md5 hex of a byte string.
pub fn digest(text: &[u8]) -> String {
    String::from_utf8_lossy(&super::nb101::md5_hex(text)).into_owned()
}
