// The deal board: drag a card to another stage's column. The drop fills in and submits the
// card's own "Move" form (the same form that works without JavaScript); a drop on a lost
// stage asks for the lost reason first. Loaded from our origin (CSP: no inline scripts).
(function () {
  "use strict";

  var dragged = null;

  function columnOf(element) {
    return element && element.closest ? element.closest("[data-testid=board-column]") : null;
  }

  function submitMove(card, column, reason, note) {
    var form = card.querySelector("form[data-testid=card-move-form]");
    if (!form) return;
    form.elements.to_stage.value = column.getAttribute("data-stage");
    form.elements.lost_reason.value = reason || "";
    form.elements.lost_note.value = note || "";
    card.classList.add("is-moving");
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function askLostReason(card, column) {
    var dialog = document.getElementById("lost-dialog");
    if (!dialog || !dialog.showModal) { submitMove(card, column, "", ""); return; }
    var reason = document.getElementById("lost-dialog-reason");
    var note = document.getElementById("lost-dialog-note");
    reason.value = "";
    note.value = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "move") submitMove(card, column, reason.value, note.value);
    });
    dialog.showModal();
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-testid=deal-card][draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    document.querySelectorAll(".board-column.is-target").forEach(function (c) {
      c.classList.remove("is-target");
    });
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column || column === columnOf(dragged)) return;
    event.preventDefault();  // allows the drop
    event.dataTransfer.dropEffect = "move";
    column.classList.add("is-target");
  });

  document.addEventListener("dragleave", function (event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("is-target");
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !column || column === columnOf(dragged)) return;
    event.preventDefault();
    column.classList.remove("is-target");
    var card = dragged;
    if (column.getAttribute("data-kind") === "lost") askLostReason(card, column);
    else submitMove(card, column, "", "");
  });
})();
