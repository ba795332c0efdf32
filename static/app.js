// The app's only script beside htmx (the Content-Security-Policy allows no inline code).
// A button with data-print prints the page: receipts, labels, agreements, certificates.
// Without this script it could do nothing: the stylesheet shows it only under html.js.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// The desk's scan fields (data-scan): a USB scanner types a tag and Enter into whatever has the
// focus. When htmx swaps in a verdict (the basket, the check-in), the server draws the field
// empty with autofocus; give it the focus again, whatever was clicked before.
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail.target;
  var swapped = target && target.id ? document.getElementById(target.id) : null;
  var field = swapped && swapped.querySelector("[data-scan][autofocus]");
  if (field) {
    field.focus();
  }
});

// "Scan with camera" (data-camera on the desk's scan fields): a centre without a USB scanner
// points a phone's or tablet's camera at a label. The code read goes into the scan field and
// its form is sent as a scanner's Enter would send it; the camera then looks for the next
// label until "Stop" is pressed. The browser's BarcodeDetector reads where it exists, else the
// vendored ZXing library (fetched on the first use). The button shows only where a camera can
// be asked for (html.camera: a secure context with mediaDevices); typing the tag always works.
if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  document.documentElement.classList.add("camera");
}
var camera = null;  // {stream, panel, timer}
var scanning = null;  // {field: its id, last: the last code sent, at: when}

function stopCamera() {
  if (!camera) return;
  camera.stream.getTracks().forEach(function (track) { track.stop(); });
  clearTimeout(camera.timer);
  camera.panel.remove();
  camera = null;
}

function loadScript(src) {
  return new Promise(function (resolve, reject) {
    if (window.ZXing) return resolve();
    var script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = reject;
    document.head.appendChild(script);
  });
}

async function makeDecoder(libraryUrl) {
  if ("BarcodeDetector" in window) {
    try {
      var wanted = (await BarcodeDetector.getSupportedFormats()).filter(function (format) {
        return format === "code_128" || format === "qr_code";
      });
      if (wanted.length) {
        var detector = new BarcodeDetector({formats: wanted});
        return async function (video) {
          var found = await detector.detect(video);
          return found.length ? found[0].rawValue : null;
        };
      }
    } catch (error) { /* fall back to ZXing */ }
  }
  await loadScript(libraryUrl);
  var hints = new Map();
  hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS,
            [ZXing.BarcodeFormat.CODE_128, ZXing.BarcodeFormat.QR_CODE]);
  hints.set(ZXing.DecodeHintType.TRY_HARDER, true);
  var reader = new ZXing.MultiFormatReader();
  reader.setHints(hints);
  var canvas = document.createElement("canvas");
  return async function (video) {
    if (!video.videoWidth) return null;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d", {willReadFrequently: true}).drawImage(video, 0, 0);
    try {
      var source = new ZXing.HTMLCanvasElementLuminanceSource(canvas);
      return reader.decode(new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(source))).getText();
    } catch (error) {
      return null;  // no code in this frame
    }
  };
}

async function startCamera(button) {
  stopCamera();
  var field = document.getElementById(button.dataset.camera);
  if (!field) return;
  var panel = document.createElement("div");
  panel.className = "camera-view";
  var video = document.createElement("video");
  video.muted = true;
  video.setAttribute("playsinline", "");
  var note = document.createElement("p");
  note.setAttribute("role", "status");
  note.textContent = button.dataset.hint;
  var stop = document.createElement("button");
  stop.type = "button";
  stop.textContent = button.dataset.stop;
  stop.addEventListener("click", function () { scanning = null; stopCamera(); field.focus(); });
  panel.append(video, note, stop);
  (button.closest(".field") || button.closest("form")).after(panel);
  var stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia(
      {video: {facingMode: "environment"}, audio: false});
  } catch (error) {
    note.textContent = button.dataset.failed;
    scanning = null;
    return;
  }
  camera = {stream: stream, panel: panel, timer: null};
  scanning = scanning && scanning.field === field.id ? scanning : {field: field.id, last: "", at: 0};
  video.srcObject = stream;
  await video.play();
  var decode = await makeDecoder(button.dataset.decoder);
  async function look() {
    if (!camera || camera.stream !== stream) return;
    var text = ((await decode(video)) || "").trim();
    // the label still in front of the camera after its scan is not sent twice at once
    if (text && !(text === scanning.last && Date.now() - scanning.at < 3000)) {
      scanning.last = text;
      scanning.at = Date.now();
      if (button.hasAttribute("data-single")) scanning = null;
      stopCamera();
      field.value = text;
      var form = field.form;
      form.requestSubmit(form.querySelector("button:not([type=button]), input[type=submit]"));
      return;
    }
    camera.timer = setTimeout(look, 150);
  }
  look();
}

document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-camera]");
  if (button) {
    scanning = null;
    startCamera(button);
  }
});

// After a scan's verdict is swapped in, the camera looks for the next label.
document.addEventListener("htmx:afterSettle", function () {
  if (!scanning || camera) return;
  var button = document.querySelector('[data-camera="' + scanning.field + '"]');
  if (button) startCamera(button);
});
