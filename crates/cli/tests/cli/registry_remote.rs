//! `wasmux registry serve` and `--registry URL`: a real server on loopback, real clients with
//! homes of their own; uploads damaged, oversized or malformed on purpose, sent raw.

use super::common::text;
use super::registry::{adder_wat, manifest, Reg};
use base64::Engine as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

/// A registry server on a free loopback port, killed when dropped.
struct Server {
    reg: Reg,
    child: Child,
    url: String,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        Server::start_with(Reg::new(), extra)
    }

    /// Serves `reg`'s home (so a test can prepare it first).
    fn start_with(reg: Reg, extra: &[&str]) -> Server {
        let mut args = vec!["registry", "serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut child = reg
            .cmd(&args)
            .stderr(Stdio::piped())
            .spawn()
            .expect("wasmux registry serve starts");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("the server prints its address")
                .unwrap();
            if let Some((_, url)) = line.split_once(" on ") {
                break url.trim().to_string();
            }
        };
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Server { reg, child, url }
    }

    fn addr(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    fn home(&self) -> std::path::PathBuf {
        self.reg.home()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one raw HTTP request; returns the status code and the body.
fn raw(addr: &str, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) and close before reading all of an oversized body.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

fn kind_of(body: &str) -> String {
    let json: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    json["kind"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_package_published_to_a_server_is_listed_and_run_by_another_home() {
    let server = Server::start(&[]);
    let url = server.url.as_str();
    let author = Reg::new();
    let public = author.ok(&["key", "generate", "alice"]);
    let dir = author.adder("acme/math", "1.2.0", 12, "");
    let out = author.ok(&["publish", &dir, "--key", "alice", "--registry", url]);
    assert!(out.starts_with("published acme/math@1.2.0"), "{out}");
    assert!(out.contains("signed by alice"), "{out}");
    // Published on the server, not in the author's own registry.
    assert!(author.list_json().is_empty());
    assert_eq!(server.reg.list_json().len(), 1);
    author.adder("acme/math", "1.3.0", 13, "");
    author.ok(&["publish", "acme-math-1.3.0", "--registry", url]);
    let again = author.ok(&["publish", "acme-math-1.3.0", "--registry", url]);
    assert!(again.contains("already published"), "{again}");

    let user = Reg::new();
    let list = user.ok(&["list", "--registry", url, "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    // Signatures are judged by the user's keys: valid, but not trusted yet.
    assert_eq!(list[0]["signed"], "untrusted key");
    let info = user.ok(&["info", "acme/math@~1.2", "--registry", url]);
    assert!(info.starts_with("acme/math@1.2.0\n"), "{info}");

    // Run installs into the user's registry, then runs from there.
    assert_eq!(
        user.ok(&["run", "--registry", url, "acme/math@^1", "2", "3"]),
        "5\n"
    );
    let installed = user.list_json();
    assert_eq!(installed.len(), 1, "{installed:?}");
    assert_eq!(installed[0]["version"], "1.3.0");
    let err = user.fails(&[
        "run",
        "--registry",
        url,
        "--require-signed",
        "acme/math@~1.2",
        "1",
        "1",
    ]);
    assert!(err.contains("not trusted here"), "{err}");
    user.ok(&["key", "trust", "alice", public.trim()]);
    assert_eq!(
        user.ok(&[
            "run",
            "--registry",
            url,
            "--require-signed",
            "--invoke",
            "marker",
            "acme/math@~1.2"
        ]),
        "12\n"
    );
    // Installed releases run offline too.
    assert_eq!(
        user.ok(&["run", "--invoke", "marker", "acme/math@~1.2"]),
        "12\n"
    );

    let out = user.ok(&["yank", "acme/math@1.3.0", "--registry", url]);
    assert!(out.starts_with("yanked"), "{out}");
    let fresh = Reg::new();
    assert_eq!(
        fresh.ok(&[
            "run",
            "--registry",
            url,
            "--invoke",
            "marker",
            "acme/math@^1"
        ]),
        "12\n"
    );
    let verify = user.ok(&["verify", "--registry", url, "--json"]);
    assert!(verify.contains("\"consistent\":true"), "{verify}");
}

#[test]
fn the_servers_policy_decides_and_lists_every_reason() {
    let reg = Reg::new();
    std::fs::create_dir_all(reg.home()).unwrap();
    std::fs::write(
        reg.home().join("policy.toml"),
        "required_exports = [\"memory\"]\nallowed_imports = []\n",
    )
    .unwrap();
    let server = Server::start_with(reg, &[]);
    let author = Reg::new();
    author.package(
        "p",
        &manifest("acme/imp", "1.0.0", "", ""),
        r#"(module (import "env" "f" (func)))"#,
    );
    let err = author.fails(&["publish", "p", "--registry", &server.url]);
    assert!(err.contains("acme/imp@1.0.0 was refused"), "{err}");
    assert!(err.contains("memory") && err.contains("env"), "{err}");
    let err = author.fails(&[
        "publish",
        "p",
        "--registry",
        &server.url,
        "--max-size",
        "1KiB",
    ]);
    assert!(err.contains("the server's publish policy decides"), "{err}");

    // Other bytes under a published version: refused by the server too.
    let with_memory = |marker: i32| {
        format!(
            r#"(module (memory (export "memory") 1) (func (export "m") (result i32) i32.const {marker}))"#
        )
    };
    author.package("q", &manifest("acme/q", "1.0.0", "", ""), &with_memory(1));
    author.ok(&["publish", "q", "--registry", &server.url]);
    std::fs::write(author.dir.path().join("q/module.wat"), with_memory(2)).unwrap();
    let err = author.fails(&["publish", "q", "--registry", &server.url]);
    assert!(err.contains("already published with other bytes"), "{err}");
}

#[test]
fn damaged_oversized_and_malformed_uploads_are_refused() {
    let server = Server::start(&["--max-upload", "1KiB"]);
    let author = Reg::new();
    // Over --max-upload, within the HTTP body limit: the server's own message.
    let big = format!(
        "(module {})",
        (0..200)
            .map(|i| format!("(func (export \"f{i}\") (result i32) i32.const {i})"))
            .collect::<String>()
    );
    author.package("big", &manifest("acme/big", "1.0.0", "", ""), &big);
    let err = author.fails(&["publish", "big", "--registry", &server.url]);
    assert!(err.contains("this registry accepts"), "{err}");

    let wasm = wat::parse_str(adder_wat(1)).unwrap();
    let upload = |sha256: &str| {
        serde_json::json!({
            "manifest": manifest("acme/raw", "1.0.0", "", "").replace("module.wat", "m.wasm"),
            "module": base64::engine::general_purpose::STANDARD.encode(&wasm),
            "sha256": sha256,
            "signature": null,
        })
        .to_string()
    };
    // Bytes that do not hash to the digest sent with them.
    let (status, body) = raw(
        server.addr(),
        "POST",
        "/v1/publish",
        upload(&"0".repeat(64)).as_bytes(),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("damaged on the way"), "{body}");
    // A body over the HTTP limit, not JSON at all, and JSON of the wrong shape.
    let (status, _) = raw(server.addr(), "POST", "/v1/publish", &vec![b'x'; 3 << 20]);
    assert_eq!(status, 413);
    let (status, body) = raw(server.addr(), "POST", "/v1/publish", b"not json");
    assert!(status == 400 || status == 422, "{status} {body}");
    assert_eq!(kind_of(&body), "invalid_input");
    let (status, body) = raw(server.addr(), "POST", "/v1/publish", b"{\"manifest\": 1}");
    assert_eq!(kind_of(&body), "invalid_input", "{status} {body}");
    let (status, body) = raw(
        server.addr(),
        "GET",
        "/v1/blobs/..%2F..%2Findex.sqlite",
        b"",
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = raw(server.addr(), "GET", "/v1/packages/Acme/math", b"");
    assert_eq!(
        (status, kind_of(&body).as_str()),
        (400, "invalid_input"),
        "{body}"
    );
    let (status, _) = raw(server.addr(), "GET", "/v2/anything", b"");
    assert_eq!(status, 404);
    // Nothing of the above was stored.
    assert!(server.reg.list_json().is_empty());
    let verify = server.reg.ok(&["verify"]);
    assert!(verify.contains("consistent"), "{verify}");
}

#[test]
fn writes_need_the_token_when_the_server_has_one() {
    let token_dir = tempfile::tempdir().unwrap();
    let token_file = token_dir.path().join("token");
    std::fs::write(&token_file, "s3cret\n").unwrap();
    let server = Server::start(&["--token-file", token_file.to_str().unwrap()]);
    let author = Reg::new();
    let dir = author.adder("acme/math", "1.0.0", 1, "");
    let err = author.fails(&["publish", &dir, "--registry", &server.url]);
    assert!(err.contains("need a token"), "{err}");
    let err = author.fails(&[
        "publish",
        &dir,
        "--registry",
        &server.url,
        "--token",
        "wrong",
    ]);
    assert!(err.contains("need a token"), "{err}");
    let out = author
        .cmd(&["publish", &dir, "--registry", &server.url])
        .env("WASMUX_REGISTRY_TOKEN", "s3cret")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = author.fails(&["yank", "acme/math@1.0.0", "--registry", &server.url]);
    assert!(err.contains("need a token"), "{err}");
    // Reading needs none.
    author.ok(&["list", "--registry", &server.url]);
}

#[test]
fn a_corrupted_module_on_the_server_is_never_installed() {
    let server = Server::start(&[]);
    let author = Reg::new();
    let dir = author.adder("acme/math", "1.0.0", 1, "");
    author.ok(&["publish", &dir, "--registry", &server.url]);
    let digest = server.reg.list_json()[0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = walk(&server.home().join("blobs"))
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy() == digest))
        .expect("the blob is stored under its digest");
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();

    let user = Reg::new();
    let err = user.fails(&["run", "--registry", &server.url, "acme/math", "1", "2"]);
    assert!(err.contains("is corrupt"), "{err}");
    assert!(user.list_json().is_empty(), "nothing was installed");
    let out = user.run(&["verify", "--registry", &server.url]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("corrupt acme/math@1.0.0"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_local_release_with_other_bytes_is_not_overwritten_by_an_install() {
    let server = Server::start(&[]);
    let author = Reg::new();
    let dir = author.adder("acme/math", "1.0.0", 1, "");
    author.ok(&["publish", &dir, "--registry", &server.url]);
    let user = Reg::new();
    let mine = user.adder("acme/math", "1.0.0", 2, "");
    user.ok(&["publish", &mine]);
    let err = user.fails(&["run", "--registry", &server.url, "acme/math", "1", "2"]);
    assert!(err.contains("already published with other bytes"), "{err}");
    assert_eq!(user.ok(&["run", "--invoke", "marker", "acme/math"]), "2\n");
}

#[test]
fn an_unreachable_or_wrong_registry_is_a_clear_error() {
    let user = Reg::new();
    // Port 1 on loopback: nothing listens there.
    let err = user.fails(&["list", "--registry", "http://127.0.0.1:1"]);
    assert!(err.contains("http://127.0.0.1:1"), "{err}");
    let err = user.fails(&["list", "--registry", "ftp://example.org"]);
    assert!(err.contains("expected http://HOST[:PORT]"), "{err}");
    let err = user.fails(&["registry", "serve", "--listen", "not-an-address"]);
    assert!(err.contains("cannot listen on not-an-address"), "{err}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_release_and_its_dependencies_are_installed_and_linked() {
    let server = Server::start(&[]);
    let author = Reg::new();
    author.package(
        "base",
        &manifest("acme/base", "1.0.0", "", ""),
        r#"(module (func (export "scale") (param i32) (result i32) local.get 0 i32.const 2 i32.mul))"#,
    );
    author.package(
        "app",
        &manifest(
            "acme/app",
            "1.0.0",
            "entry = \"run\"\n",
            "\"acme/base\" = \"^1\"\n",
        ),
        r#"(module
          (import "acme/base" "scale" (func $scale (param i32) (result i32)))
          (func (export "run") (param i32) (result i32) local.get 0 call $scale))"#,
    );
    author.ok(&["publish", "base", "--registry", &server.url]);
    author.ok(&["publish", "app", "--registry", &server.url]);
    let user = Reg::new();
    assert_eq!(
        user.ok(&["run", "--registry", &server.url, "acme/app", "21"]),
        "42\n"
    );
    let installed: Vec<String> = user
        .list_json()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(installed, ["acme/app", "acme/base"]);
}
