// Live messages in a deal room: the API's Socket.IO, authenticated with a one-minute socket ticket for this deal
// (never the session's API token). The page comes with one; every reconnection asks /deals/<id>/live (same
// origin) for a fresh one. New messages are appended as text, never as markup.
"use strict";

async function freshTicket(url) {
  const answer = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!answer.ok) throw new Error(`ticket: ${answer.status}`);
  return (await answer.json()).ticket;
}

function listen(list) {
  if (typeof window.io === "undefined") {
    list.dataset.live = "unavailable";
    return;
  }
  const dealId = Number(list.dataset.dealId);
  let ticket = list.dataset.socketTicket;
  const socket = window.io(list.dataset.socketUrl || undefined, {
    transports: ["websocket"],
    // called before every connection attempt: the embedded ticket once, then a fresh one each time
    auth: (give) => {
      if (ticket) {
        give({ ticket });
        ticket = "";
        return;
      }
      freshTicket(list.dataset.dealLive).then((fresh) => give({ ticket: fresh }), () => give({}));
    },
  });
  socket.on("connect", () => socket.emit("join_deal", { deal_id: dealId }));
  socket.on("disconnect", () => { list.dataset.live = "reconnecting"; });
  socket.on("joined_room", () => { list.dataset.live = "joined"; });
  socket.on("new_message", (message) => {
    if (list.querySelector(`[data-message-id="${message.id}"]`)) return;
    const item = document.createElement("li");
    item.dataset.messageId = String(message.id);
    const author = document.createElement("strong");
    author.textContent = message.author_name || "";
    item.append(author, `: ${message.content}`);
    list.append(item);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector("[data-deal-live]");
  if (list) listen(list);
});
