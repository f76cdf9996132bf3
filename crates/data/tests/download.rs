//! `fetch_from` against a tiny HTTP/1.1 server on 127.0.0.1: a good file arrives and
//! verifies; a corrupt, truncated or missing one fails and leaves nothing behind.
//!
//! The server is a test thread on an ephemeral port that answers a fixed number of
//! requests (or gives up after a deadline) and then stops. No other network is used.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Mutex;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::{gzip, tiny_images, tiny_labels, ScratchDir};
use descent_data::{fetch_from, read_idx, sha256_hex, DataError, FileSpec};

/// What the test server answers for one path.
#[derive(Clone)]
enum Reply {
    /// 200 with this body.
    Body(Vec<u8>),
    /// 200 declaring `declared` bytes, then only `body`, then the connection closes.
    Truncated { declared: usize, body: Vec<u8> },
}

/// Serves `routes` (unknown paths get 404) for at most `max_requests` connections.
/// Returns the base URL and a handle yielding the paths requested.
fn serve(routes: Vec<(&str, Reply)>, max_requests: usize) -> (String, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/files", listener.local_addr().unwrap());
    let routes: HashMap<String, Reply> = routes.into_iter().map(|(name, reply)| (format!("/files/{name}"), reply)).collect();
    listener.set_nonblocking(true).unwrap();
    let handle = thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut served = Vec::new();
        while served.len() < max_requests && Instant::now() < deadline {
            let (stream, _) = match listener.accept() {
                Ok(conn) => conn,
                Err(_) => {
                    thread::sleep(Duration::from_millis(5));
                    continue;
                }
            };
            stream.set_nonblocking(false).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                line.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut out = stream;
            let _ = match routes.get(&path) {
                Some(Reply::Body(body)) => write_response(&mut out, "200 OK", body.len(), body),
                Some(Reply::Truncated { declared, body }) => write_response(&mut out, "200 OK", *declared, body),
                None => write_response(&mut out, "404 Not Found", 9, b"not found"),
            };
            served.push(path);
            // Dropping `out` closes the connection.
        }
        served
    });
    (base, handle)
}

fn write_response(out: &mut impl Write, status: &str, content_length: usize, body: &[u8]) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {content_length}\r\nConnection: close\r\n\r\n"
    )?;
    out.write_all(body)?;
    out.flush()
}

fn spec(name: &str, uncompressed: &[u8]) -> FileSpec {
    FileSpec {
        name: name.to_string(),
        sha256_uncompressed: sha256_hex(uncompressed),
    }
}

#[test]
fn good_files_arrive_verified_and_are_not_fetched_twice() {
    let scratch = ScratchDir::new("dl-good");
    let images = tiny_images(10, 28, 28);
    let labels = tiny_labels(10);
    let images_gz = gzip(&images);
    let (base, server) = serve(
        vec![
            ("train-images-idx3-ubyte.gz", Reply::Body(images_gz.clone())),
            ("train-labels-idx1-ubyte.gz", Reply::Body(gzip(&labels))),
        ],
        2,
    );
    let specs = [
        spec("train-images-idx3-ubyte.gz", &images),
        spec("train-labels-idx1-ubyte.gz", &labels),
    ];
    let dest = scratch.path.join("mnist");
    let seen = Mutex::new(Vec::new());
    let progress = |name: &str, done: u64, total: Option<u64>| {
        seen.lock().unwrap().push((name.to_string(), done, total));
    };
    fetch_from(&base, &specs, &dest, &progress).unwrap();
    assert_eq!(server.join().unwrap().len(), 2);

    assert_eq!(
        scratch.file_names("mnist"),
        vec!["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    );
    let arr = read_idx(&dest.join("train-images-idx3-ubyte.gz")).unwrap();
    assert_eq!(arr.dims, vec![10, 28, 28]);
    let n = images_gz.len() as u64;
    let seen = seen.into_inner().unwrap();
    assert!(seen.contains(&("train-images-idx3-ubyte.gz".to_string(), n, Some(n))));

    // Present and verified: a second fetch makes no request (nothing listens there).
    let no_server = "http://127.0.0.1:9/files";
    fetch_from(no_server, &specs, &dest, &|_, _, _| {}).unwrap();
}

#[test]
fn corrupt_file_fails_checksum_and_leaves_nothing() {
    let scratch = ScratchDir::new("dl-corrupt");
    let images = tiny_images(4, 28, 28);
    let mut tampered = images.clone();
    tampered[100] ^= 1;
    let (base, server) = serve(vec![("train-images-idx3-ubyte.gz", Reply::Body(gzip(&tampered)))], 1);
    let specs = [spec("train-images-idx3-ubyte.gz", &images)];
    let err = fetch_from(&base, &specs, &scratch.path.join("d"), &|_, _, _| {}).unwrap_err();
    server.join().unwrap();
    match &err {
        DataError::Checksum { expected, actual, .. } => {
            assert_eq!(*expected, sha256_hex(&images));
            assert_eq!(*actual, sha256_hex(&tampered));
        }
        other => panic!("expected Checksum, got {other:?}"),
    }
    assert!(scratch.file_names("d").is_empty(), "{:?}", scratch.file_names("d"));
}

#[test]
fn truncated_connection_fails_and_leaves_nothing() {
    let scratch = ScratchDir::new("dl-truncated");
    let images = tiny_images(20, 28, 28);
    let gz = gzip(&images);
    let reply = Reply::Truncated {
        declared: gz.len(),
        body: gz[..gz.len() / 2].to_vec(),
    };
    let (base, server) = serve(vec![("train-images-idx3-ubyte.gz", reply)], 1);
    let specs = [spec("train-images-idx3-ubyte.gz", &images)];
    let err = fetch_from(&base, &specs, &scratch.path.join("d"), &|_, _, _| {}).unwrap_err();
    server.join().unwrap();
    assert!(matches!(err, DataError::Download { .. }), "{err:?}");
    assert!(err.to_string().contains("connection broke"), "{err}");
    assert!(scratch.file_names("d").is_empty(), "{:?}", scratch.file_names("d"));
}

#[test]
fn not_found_says_where_to_put_the_files() {
    let scratch = ScratchDir::new("dl-404");
    let (base, server) = serve(vec![], 1);
    let specs = [spec("t10k-labels-idx1-ubyte.gz", b"whatever")];
    let dest = scratch.path.join("fashion-mnist");
    let err = fetch_from(&base, &specs, &dest, &|_, _, _| {}).unwrap_err();
    assert_eq!(server.join().unwrap(), vec!["/files/t10k-labels-idx1-ubyte.gz"]);
    assert!(matches!(err, DataError::Download { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("404"), "{msg}");
    assert!(msg.contains(&dest.display().to_string()), "{msg}");
    assert!(scratch.file_names("fashion-mnist").is_empty());
}

#[test]
fn broken_gzip_fails_and_leaves_nothing() {
    let scratch = ScratchDir::new("dl-badgz");
    let images = tiny_images(20, 28, 28);
    let mut gz = gzip(&images);
    let len = gz.len();
    gz.truncate(len / 2); // the server sends all it declares, but the stream is cut
    let (base, server) = serve(vec![("x.gz", Reply::Body(gz))], 1);
    let err = fetch_from(&base, &[spec("x.gz", &images)], &scratch.path, &|_, _, _| {}).unwrap_err();
    server.join().unwrap();
    assert!(err.to_string().contains("not a valid gzip"), "{err}");
    assert!(scratch.file_names("").is_empty(), "{:?}", scratch.file_names(""));
}

#[test]
fn no_server_error_says_what_to_do() {
    let scratch = ScratchDir::new("dl-refused");
    // Bind then drop to get a port on which nothing listens.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}/");
    let err = fetch_from(&base, &[spec("a.gz", b"a")], &scratch.path, &|_, _, _| {}).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("put them in") && msg.contains("DESCENT_DATA"), "{msg}");
    assert!(scratch.file_names("").is_empty());
}

#[test]
fn a_failed_fetch_leaves_no_empty_folders_and_clears_stale_temporaries() {
    let scratch = ScratchDir::new("dl-nofolders");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}/");
    // Neither the data root nor the set's folder exists yet.
    let dest = scratch.path.join("data/mnist");
    let err = fetch_from(&base, &[spec("a.gz", b"a")], &dest, &|_, _, _| {}).unwrap_err();
    assert!(matches!(err, DataError::Download { .. }), "{err:?}");
    assert!(
        !scratch.path.join("data").exists(),
        "the failed fetch left {:?}",
        scratch.file_names("data")
    );

    // An existing folder stays; a temporary of a killed fetch (pid 4e9 runs nowhere) goes.
    let dest = scratch.path.join("kept");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::write(dest.join(".a.gz.4000000000.tmp"), b"half a download").unwrap();
    fetch_from(&base, &[spec("a.gz", b"a")], &dest, &|_, _, _| {}).unwrap_err();
    assert!(dest.is_dir());
    assert!(scratch.file_names("kept").is_empty(), "{:?}", scratch.file_names("kept"));
}

#[test]
fn a_model_folder_with_a_subfolder_arrives_and_is_found() {
    use descent_data::{DataLocator, Pretrained, RootSource, SearchRoot};
    let scratch = ScratchDir::new("dl-model");
    let config = br#"{"hidden_size": 8}"#.to_vec();
    let pooling = br#"{"pooling_mode_mean_tokens": true}"#.to_vec();
    // Checksums must be 'static, as in the real table.
    let files: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
        ("config.json", &*Box::leak(sha256_hex(&config).into_boxed_str())),
        ("1_Pooling/config.json", &*Box::leak(sha256_hex(&pooling).into_boxed_str())),
    ]));
    let model = Pretrained {
        name: "tiny",
        folder: "models/tiny",
        title: "tiny test model",
        source: "unused",
        license: "test",
        files,
        required: &["config.json", "1_Pooling/config.json"],
    };
    let (base, server) = serve(
        vec![
            ("config.json", Reply::Body(config)),
            ("1_Pooling/config.json", Reply::Body(pooling)),
        ],
        2,
    );
    let dir = model.fetch(&base, &scratch.path, &|_, _, _| {}).unwrap();
    assert_eq!(server.join().unwrap().len(), 2);
    assert_eq!(dir, scratch.path.join("models/tiny"));
    assert_eq!(scratch.file_names("models/tiny/1_Pooling"), vec!["config.json"]);
    assert!(model.problems(&dir).is_empty(), "{:?}", model.problems(&dir));
    let locator = DataLocator::with_roots(vec![SearchRoot {
        path: scratch.path.clone(),
        source: RootSource::CommandLine,
    }]);
    assert_eq!(model.find(&locator).unwrap(), dir);
    std::fs::write(dir.join("config.json"), b"{}").unwrap();
    assert_eq!(model.problems(&dir).len(), 1);

    // The pooling file missing on the server: the subfolder made for it does not stay.
    let (base, server) = serve(vec![("config.json", Reply::Body(br#"{"hidden_size": 8}"#.to_vec()))], 2);
    let err = model.fetch(&base, &scratch.path.join("other"), &|_, _, _| {}).unwrap_err();
    server.join().unwrap();
    assert!(err.to_string().contains("404"), "{err}");
    assert_eq!(scratch.file_names("other/models/tiny"), vec!["config.json"]);
}
