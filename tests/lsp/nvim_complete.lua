-- Headless Neovim (0.7+) end-to-end check: its built-in LSP client runs `dotwise serve`, opens a
-- file, asks for completion at a position, and writes what the editor would show (after its own
-- sort by sortText) to $DW_OUT as JSON: {"words": [...], "items": [raw items]}.
local cmd = vim.fn.json_decode(os.getenv("DW_CMD"))
local file, out = os.getenv("DW_FILE"), os.getenv("DW_OUT")
local line, col = tonumber(os.getenv("DW_LINE")), tonumber(os.getenv("DW_COL"))
local function finish(t)
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode(t))
  f:close()
  vim.cmd("qall!")
end
vim.cmd("edit " .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  cmd = cmd,
  root_dir = vim.fn.fnamemodify(file, ":h"),
  handlers = { ["workspace/configuration"] = function(_, params) local r = {} for i = 1, #params.items do r[i] = vim.NIL end return r end },
})
if not id then return finish({ error = "start_client failed" }) end
vim.lsp.buf_attach_client(buf, id)
local ok = vim.wait(30000, function() local c = vim.lsp.get_client_by_id(id) return c and c.initialized end, 20)
if not ok then return finish({ error = "not initialized" }) end
-- As nvim-lspconfig does for pyright: it waits for settings before answering anything.
vim.lsp.get_client_by_id(id).notify("workspace/didChangeConfiguration", { settings = vim.empty_dict() })
local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = col } }
local result
for _ = 1, 10 do
  local res = vim.lsp.buf_request_sync(buf, "textDocument/completion", params, 20000)
  if res and res[id] and res[id].result then
    result = res[id].result
    local items = vim.lsp.util.extract_completion_items(result)
    -- an incomplete list is asked for again, as the editor does on the next keystroke
    if #items > 0 and not (type(result) == "table" and result.isIncomplete == true) then break end
  end
  vim.wait(500)
end
if not result then return finish({ error = "no completion result" }) end
local words = {}
for _, it in ipairs(vim.lsp.util.text_document_completion_list_to_complete_items(result, "")) do
  table.insert(words, it.word)
end
local out = { words = words, items = vim.lsp.util.extract_completion_items(result) }
-- With $DW_MERGE: insert the first item dotwise added (as the editor inserts a complete-item: its
-- word at the cursor) and resolve the upstream's item named $DW_RESOLVE, as the editor does for docs.
if os.getenv("DW_MERGE") then
  for _, it in ipairs(out.items) do
    if it.detail == "dotwise" then
      local ci = vim.lsp.util.text_document_completion_list_to_complete_items({ items = { it } }, "")[1]
      vim.api.nvim_buf_set_text(buf, line, col, line, col, { ci.word })
      out.inserted = it.filterText
      out.inserted_line = vim.api.nvim_buf_get_lines(buf, line, line + 1, false)[1]
      break
    end
  end
  for _, it in ipairs(out.items) do
    if it.filterText == os.getenv("DW_RESOLVE") then
      local res = vim.lsp.buf_request_sync(buf, "completionItem/resolve", it, 20000)
      out.resolved = res and res[id] and res[id].result or vim.NIL
      break
    end
  end
end
finish(out)
