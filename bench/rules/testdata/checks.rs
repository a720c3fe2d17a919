// Snippets for the bench's peer rules (see checks.js).
fn clients() {
    let a = reqwest::Client::builder().danger_accept_invalid_certs(true).build(); // expect: danger-accept-invalid-certs
    let b = reqwest::Client::builder()
        .danger_accept_invalid_certs(true) // expect: danger-accept-invalid-certs
        .build();
    let c = reqwest::Client::builder().danger_accept_invalid_certs(false).build();
    let d = reqwest::Client::builder().danger_accept_invalid_hostnames(true).build();
}
