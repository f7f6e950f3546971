//! The live reader's list-response handling (a page's bytes → objects and the next continue
//! token, whole or metadata-only) must never panic, whatever an API server sends.
//! Run: `cd fuzz && cargo fuzz run -s none live_list_page /tmp/work corpus/live_list_page`
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    netdoctor_live::cluster::read::fuzz_list_page(data);
});
