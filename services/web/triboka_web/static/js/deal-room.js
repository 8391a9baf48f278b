// Live messages in a deal room: the API's Socket.IO, authenticated with the session's API token, which
// /deals/<id>/live hands to this page (same origin). New messages are appended as text, never as markup.
"use strict";

async function listen(list) {
  const answer = await fetch(list.dataset.dealLive, { credentials: "same-origin" });
  if (!answer.ok || typeof window.io === "undefined") return;
  const live = await answer.json();
  const socket = window.io(live.url || undefined, { auth: { token: live.token }, transports: ["websocket"] });
  socket.on("connect", () => socket.emit("join_deal", { deal_id: live.deal_id }));
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
  if (list) listen(list).catch(() => { list.dataset.live = "unavailable"; });
});
