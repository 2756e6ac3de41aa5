-- Neovim (headless) as the editor: start `massgen lsp`, open the config, wait for diagnostics, write them out.
-- Environment: MASSGEN_LSP_PYTHON (the interpreter), MASSGEN_CONFIG (the file), MASSGEN_OUT (where to write).
-- Uses only Neovim's built-in LSP client (0.7+): vim.lsp.start_client, vim.lsp.buf_attach_client, vim.diagnostic.
local client_id = vim.lsp.start_client({
  name = "massgen",
  cmd = { vim.env.MASSGEN_LSP_PYTHON, "-m", "massgen.cli", "lsp", "--stdio" },
  root_dir = vim.fn.getcwd(),
})
vim.cmd("edit " .. vim.fn.fnameescape(vim.env.MASSGEN_CONFIG))
vim.lsp.buf_attach_client(0, client_id)
local received = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(lines, vim.fn.json_encode({ line = d.lnum + 1, column = d.col + 1, severity = d.severity,
                                           code = d.code, message = d.message, source = d.source }))
end
if not received then table.insert(lines, '{"timeout": true}') end
vim.fn.writefile(lines, vim.env.MASSGEN_OUT)
vim.lsp.stop_client(client_id)
vim.cmd("qa!")
