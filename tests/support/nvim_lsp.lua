-- Neovim (headless) as a user of `pipecheck lsp`: open the course config, read the diagnostics,
-- set num_classes to 1 without saving, see PC101, hover it, apply its quick fix.
-- Debian bookworm's Neovim is 0.7, which has no vim.lsp.start: start_client + buf_attach_client.
-- Environment: PIPECHECK_PYTHON, PIPECHECK_CONFIG (absolute), PIPECHECK_WORKSPACE, PIPECHECK_OUT.
local out = {}
local function finish()
  local file = io.open(os.getenv("PIPECHECK_OUT"), "w")
  file:write(vim.fn.json_encode(out))
  file:close()
  vim.cmd("qa!")
end

local function lsp_of(diagnostic)
  return diagnostic.user_data and diagnostic.user_data.lsp or {}
end

local function shown(buf)
  local found = {}
  for _, diagnostic in ipairs(vim.diagnostic.get(buf)) do
    local lsp = lsp_of(diagnostic)
    table.insert(found, {
      code = diagnostic.code or lsp.code,
      lnum = diagnostic.lnum,
      severity = diagnostic.severity,
      href = lsp.codeDescription and lsp.codeDescription.href or vim.NIL,
    })
  end
  return found
end

local function has_code(buf, code)
  for _, item in ipairs(shown(buf)) do
    if item.code == code then
      return true
    end
  end
  return false
end

vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("PIPECHECK_CONFIG")))
local buf = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "pipecheck",
  cmd = { os.getenv("PIPECHECK_PYTHON"), "-m", "pipecheck", "lsp" },
  root_dir = os.getenv("PIPECHECK_WORKSPACE"),
  init_options = { debounce = 0.01 },
})
vim.lsp.buf_attach_client(buf, client_id)

out.opened = vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
out.on_open = shown(buf)

local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
local row
for index, line in ipairs(lines) do
  if line:match("^%s*num_classes: 2%s*$") then
    row = index - 1
    vim.api.nvim_buf_set_lines(buf, row, row + 1, false, { (line:gsub("num_classes: 2", "num_classes: 1")) })
    break
  end
end
out.row = row
out.pc101 = vim.wait(30000, function() return has_code(buf, "PC101") end, 50)
out.after_edit = shown(buf)
out.modified = vim.bo[buf].modified

-- 0.7 keeps in user_data.lsp only what vim.diagnostic has no field for: the LSP form is rebuilt
local pc101
for _, diagnostic in ipairs(vim.diagnostic.get(buf)) do
  local lsp = lsp_of(diagnostic)
  if (diagnostic.code or lsp.code) == "PC101" then
    pc101 = vim.tbl_extend("force", lsp, {
      range = {
        start = { line = diagnostic.lnum, character = diagnostic.col },
        ["end"] = { line = diagnostic.end_lnum, character = diagnostic.end_col },
      },
      severity = diagnostic.severity,
      message = diagnostic.message,
      source = diagnostic.source,
      code = diagnostic.code or lsp.code,
    })
  end
end
if pc101 == nil then
  return finish()
end

local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = row, character = 6 },
}, 10000)
for _, response in pairs(hover or {}) do
  if response.result then
    out.hover = response.result.contents.value
  end
end

local actions = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  range = pc101.range,
  context = { diagnostics = { pc101 } },
}, 10000)
out.titles = {}
for _, response in pairs(actions or {}) do
  if response.err then out.action_error = response.err.message end
  for _, action in ipairs(response.result or {}) do
    table.insert(out.titles, action.title)
    if action.isPreferred and action.kind == "quickfix" and out.fixed == nil then
      vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
      out.fixed = vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1]
    end
  end
end
out.cleared = vim.wait(30000, function() return not has_code(buf, "PC101") end, 50)
out.after_fix = shown(buf)
finish()
