use std::time::Instant;
use ward_lang::Sources;
#[test]
fn scratch_scale() {
    for n in [1000usize, 10_000, 40_000] {
        let mut text = String::new();
        for i in 0..n { text.push_str(&format!("flow svc_{i} -> svc_{i}.api {{ carries email hashed, order_total  purpose analytics }}\n")); }
        let mut sources = Sources::new();
        sources.add("s.ward", text.into_bytes());
        let t = Instant::now();
        let (p, d) = ward_lang::parse(&sources);
        println!("{n}: {:?} items={} diags={}", t.elapsed(), p.items.len(), d.len());
    }
}
