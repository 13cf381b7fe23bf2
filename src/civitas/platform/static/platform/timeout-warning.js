// The GOV.UK timeout warning: a modal dialog shortly before an idle journey is deleted,
// or an idle staff session ends, whose "Continue" keeps it going. Without JavaScript the page says when the
// answers will be deleted, and the timed-out page follows. Loaded as a module file (the
// Content Security Policy allows no inline script). Its words come from the page, in
// the page's language (the dialog's data-i18n-* attributes): none are written here.
const dialog = document.getElementById("timeout-warning");

// "{count} minutes" with the number in it, the singular for 1. Welsh keeps the noun
// singular after a number written as digits, so its two forms are the same words.
function counted(name, count) {
  const form = count === 1 ? "One" : "Other";
  return dialog.dataset[`i18n${name}${form}`].replace("{count}", String(count));
}

function minutesAndSeconds(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const parts = [];
  if (minutes) parts.push(counted("Minutes", minutes));
  if (rest || !minutes) parts.push(counted("Seconds", rest));
  return parts.join(" ");
}

function announcementFor(seconds) {
  return dialog.dataset.i18nAnnouncement.replace("{time}", minutesAndSeconds(seconds));
}

if (dialog && typeof dialog.showModal === "function") {
  const timeoutSeconds = Number(dialog.dataset.timeoutSeconds);
  const warningSeconds = Math.min(Number(dialog.dataset.warningSeconds), timeoutSeconds);
  const countdown = dialog.querySelector("[data-countdown]");
  const announcement = dialog.querySelector("[data-countdown-announcement]");
  const continueButton = dialog.querySelector("[data-timeout-continue]");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  let deadline = 0;
  let warnTimer = 0;
  let tick = 0;

  const timedOut = () => window.location.assign(dialog.dataset.timedOutUrl);

  const showCountdown = () => {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (left === 0) {
      timedOut();
      return;
    }
    countdown.textContent = minutesAndSeconds(left);
    // Screen readers hear the time left every 15 seconds, not every second.
    if (left % 15 === 0) announcement.textContent = announcementFor(left);
  };

  const warn = () => {
    showCountdown();
    announcement.textContent = announcementFor(warningSeconds);
    dialog.showModal();
    continueButton.focus();
    tick = window.setInterval(showCountdown, 1000);
  };

  const start = (secondsLeft) => {
    window.clearTimeout(warnTimer);
    window.clearInterval(tick);
    deadline = Date.now() + secondsLeft * 1000;
    warnTimer = window.setTimeout(warn, Math.max(0, secondsLeft - warningSeconds) * 1000);
  };

  const keepAlive = async () => {
    const body = new URLSearchParams({ csrfmiddlewaretoken: csrf ? csrf.value : "" });
    try {
      const response = await fetch(dialog.dataset.keepAliveUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const state = await response.json();
      if (!state.alive) {
        timedOut();
        return;
      }
      dialog.close();
      start(state.expires_in_seconds);
    } catch {
      // The server could not be reached: leave the dialog up, its countdown still true.
    }
  };

  continueButton.addEventListener("click", keepAlive);
  // Escape closes a modal dialog: here it means "Continue", as the pattern asks.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    keepAlive();
  });
  start(timeoutSeconds);
}
